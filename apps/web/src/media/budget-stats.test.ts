import { describe, expect, it } from 'vitest';
import { readLinkSample } from './budget-stats';

type S = { id: string; type: string; [k: string]: unknown };

function report(o: { encode: number; camBytes: number; shareEncode?: number; limitation?: string }): S[] {
  return [
    { id: 'T', type: 'transport', selectedCandidatePairId: 'CP1' },
    { id: 'CP1', type: 'candidate-pair', availableOutgoingBitrate: 850_000, currentRoundTripTime: 0.04 },
    { id: 'CP2', type: 'candidate-pair', availableOutgoingBitrate: 10_000, currentRoundTripTime: 2 },
    { id: 'MS-cam', type: 'media-source', kind: 'video', trackIdentifier: 'cam-track' },
    { id: 'MS-share', type: 'media-source', kind: 'video', trackIdentifier: 'share-track' },
    { id: 'OS', type: 'outbound-rtp', kind: 'video', mediaSourceId: 'MS-share', totalEncodeTime: o.shareEncode ?? 0, bytesSent: 9e9, frameHeight: 1080, qualityLimitationReason: 'none' },
    { id: 'OC', type: 'outbound-rtp', kind: 'video', mediaSourceId: 'MS-cam', totalEncodeTime: o.encode, bytesSent: o.camBytes, frameHeight: 360, framesPerSecond: 20, qualityLimitationReason: o.limitation ?? 'cpu' },
    { id: 'OA', type: 'outbound-rtp', kind: 'audio', bytesSent: 1000 },
    { id: 'RA', type: 'remote-inbound-rtp', kind: 'audio', fractionLost: 0.01 },
    { id: 'RV', type: 'remote-inbound-rtp', kind: 'video', fractionLost: 0.08 },
  ];
}

describe('readLinkSample', () => {
  it('reads the selected pair, the worst loss and the camera (not the share) encoder', () => {
    const s = readLinkSample(report({ encode: 1, camBytes: 0 }), 0, null, 'cam-track');
    expect(s.measured).toEqual({ availableKbps: 850, loss: 0.08, rttMs: 40, qualityLimitation: 'cpu', encodeMsPerS: null, audioConcealment: null });
    expect(s.sent).toEqual({ kbps: null, frameHeight: 360, fps: 20 });
  });

  it('turns counters into encode ms per second (every video stream) and camera kbit/s', () => {
    const a = readLinkSample(report({ encode: 1, shareEncode: 1, camBytes: 100_000 }), 1000, null, 'cam-track');
    const b = readLinkSample(report({ encode: 1.1, shareEncode: 1.05, camBytes: 150_000 }), 3000, a.counters, 'cam-track');
    expect(b.measured.encodeMsPerS).toBeCloseTo(75);
    expect(b.sent.kbps).toBeCloseTo(200);
  });

  it('measures audible concealment of the audio received, and none where packets were lost', () => {
    const audio = (o: { samples: number; concealed: number; silent: number; received: number; lost: number }): S => ({
      id: 'IA',
      type: 'inbound-rtp',
      kind: 'audio',
      totalSamplesReceived: o.samples,
      concealedSamples: o.concealed,
      silentConcealedSamples: o.silent,
      packetsReceived: o.received,
      packetsLost: o.lost,
    });
    const at = (t: number, a: S, prev: ReturnType<typeof readLinkSample> | null) =>
      readLinkSample([...report({ encode: 1, camBytes: 0 }), a], t, prev?.counters ?? null, 'cam-track');
    const a = at(0, audio({ samples: 48_000, concealed: 0, silent: 0, received: 50, lost: 0 }), null);
    expect(a.measured.audioConcealment).toBeNull();
    // 96,000 samples played, 14,400 concealed of which 4,800 silent: 10 % audible.
    const b = at(2000, audio({ samples: 144_000, concealed: 14_400, silent: 4800, received: 150, lost: 0 }), a);
    expect(b.measured.audioConcealment).toBeCloseTo(0.1);
    // 10 of 110 packets lost: the network's doing, not this machine's.
    const c = at(4000, audio({ samples: 240_000, concealed: 30_000, silent: 4800, received: 250, lost: 10 }), b);
    expect(c.measured.audioConcealment).toBeNull();
    // A peer that sends nothing (muted): samples are played out, all concealed, from no packet.
    const d = at(6000, audio({ samples: 336_000, concealed: 126_000, silent: 4800, received: 250, lost: 10 }), c);
    expect(d.measured.audioConcealment).toBeNull();
  });

  it('reports nothing about a camera it cannot find rather than the share', () => {
    const s = readLinkSample(report({ encode: 1, camBytes: 0 }), 0, null, 'other-track');
    expect(s.measured.qualityLimitation).toBeNull();
    expect(s.sent.frameHeight).toBeNull();
  });
});
