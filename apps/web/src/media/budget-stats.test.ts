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
    expect(s.measured).toEqual({ availableKbps: 850, loss: 0.08, rttMs: 40, qualityLimitation: 'cpu', encodeMsPerS: null });
    expect(s.sent).toEqual({ kbps: null, frameHeight: 360, fps: 20 });
  });

  it('turns counters into encode ms per second (every video stream) and camera kbit/s', () => {
    const a = readLinkSample(report({ encode: 1, shareEncode: 1, camBytes: 100_000 }), 1000, null, 'cam-track');
    const b = readLinkSample(report({ encode: 1.1, shareEncode: 1.05, camBytes: 150_000 }), 3000, a.counters, 'cam-track');
    expect(b.measured.encodeMsPerS).toBeCloseTo(75);
    expect(b.sent.kbps).toBeCloseTo(200);
  });

  it('reports nothing about a camera it cannot find rather than the share', () => {
    const s = readLinkSample(report({ encode: 1, camBytes: 0 }), 0, null, 'other-track');
    expect(s.measured.qualityLimitation).toBeNull();
    expect(s.sent.frameHeight).toBeNull();
  });
});
