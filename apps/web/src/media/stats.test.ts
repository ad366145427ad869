import { describe, expect, it } from 'vitest';
import { computeDetails, summarizeStats, collectConnectionDetails } from './stats';

type S = { id: string; type: string; [k: string]: unknown };

function report(opts: { bytesIn: number; bytesOut: number; lost: number; received: number; local: string; remote: string }): S[] {
  return [
    { id: 'T1', type: 'transport', selectedCandidatePairId: 'CP1' },
    { id: 'CP1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', currentRoundTripTime: 0.012 },
    { id: 'CP2', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R1', currentRoundTripTime: 0.5 },
    { id: 'L1', type: 'local-candidate', candidateType: opts.local, protocol: 'udp' },
    { id: 'L2', type: 'local-candidate', candidateType: 'host', protocol: 'tcp' },
    { id: 'R1', type: 'remote-candidate', candidateType: opts.remote },
    { id: 'IA', type: 'inbound-rtp', kind: 'audio', bytesReceived: opts.bytesIn / 4, packetsReceived: opts.received / 2, packetsLost: opts.lost },
    { id: 'IV', type: 'inbound-rtp', kind: 'video', bytesReceived: (opts.bytesIn * 3) / 4, packetsReceived: opts.received / 2, packetsLost: 0 },
    { id: 'OV', type: 'outbound-rtp', kind: 'video', bytesSent: opts.bytesOut },
  ];
}

describe('stats', () => {
  it('reads the selected pair named by the transport, not another pair', () => {
    const s = summarizeStats(report({ bytesIn: 0, bytesOut: 0, lost: 0, received: 0, local: 'host', remote: 'host' }), 0);
    expect(s.rttMs).toBeCloseTo(12);
    expect(s.protocol).toBe('udp');
    expect([s.localCandidateType, s.remoteCandidateType]).toEqual(['host', 'host']);
  });

  it('computes kbit/s and interval loss between two samples, and calls a TURN pair relayed', () => {
    const a = summarizeStats(report({ bytesIn: 100_000, bytesOut: 50_000, lost: 10, received: 990, local: 'relay', remote: 'host' }), 1000);
    const b = summarizeStats(report({ bytesIn: 225_000, bytesOut: 100_000, lost: 15, received: 1485, local: 'relay', remote: 'host' }), 2000);
    const d = computeDetails(b, a, 'connected');
    expect(d.inboundKbps).toBeCloseTo(1000); // 125 000 bytes in 1 s
    expect(d.outboundKbps).toBeCloseTo(400);
    expect(d.packetLossPercent).toBeCloseTo(1); // 5 lost of 500 in the interval
    expect(d.route).toBe('relayed');
    expect(computeDetails(a, null, 'connected').inboundKbps).toBeNull();
  });

  it('falls back to the nominated succeeded pair (no transport stats) and says direct', () => {
    const s = summarizeStats(
      [
        { id: 'CP', type: 'candidate-pair', nominated: true, state: 'succeeded', localCandidateId: 'L', remoteCandidateId: 'R' },
        { id: 'L', type: 'local-candidate', candidateType: 'srflx', protocol: 'udp' },
        { id: 'R', type: 'remote-candidate', candidateType: 'prflx' },
      ],
      0,
    );
    expect(computeDetails(s, null, 'connected').route).toBe('direct');
    expect(computeDetails(summarizeStats([], 0), null, 'new').route).toBe('unknown');
  });

  it('collects from a connection, taking a second sample for rates the first time', async () => {
    let bytes = 0;
    const pc = {
      connectionState: 'connected',
      getStats: async () => {
        bytes += 10_000;
        return new Map(report({ bytesIn: bytes, bytesOut: bytes, lost: 0, received: 100, local: 'host', remote: 'host' }).map((s) => [s.id, s]));
      },
    } as unknown as RTCPeerConnection;
    const d = await collectConnectionDetails(pc);
    expect(d.inboundKbps).toBeGreaterThan(0);
    expect(d.connectionState).toBe('connected');
    expect(d.route).toBe('direct');
  });
});
