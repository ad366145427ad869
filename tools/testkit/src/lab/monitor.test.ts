import { describe, expect, it } from 'vitest';
import { longestStall, type PeerSample, type Sample } from './monitor.js';

const peer = (audioPackets: number, at?: number): PeerSample => ({
  at,
  state: 'connected',
  framesDecoded: 0,
  audioPackets,
  ufrag: 'u',
  pair: 'host/host',
});

/** Audio arriving steadily at 50 packets/s, read at `readAt` (ms). */
const steady = (readAt: number) => Math.floor(readAt / 20);

describe('longestStall', () => {
  it('finds a real silence when the page reads on time', () => {
    const samples: Sample[] = [];
    for (let t = 0; t <= 6000; t += 400) {
      // Packets stop between 2 s and 5 s.
      const v = t < 2000 ? steady(t) : t < 5000 ? steady(2000) : steady(2000) + steady(t - 5000);
      samples.push({ t, peers: { a: peer(v, t) }, tiles: [] });
    }
    const r = longestStall(samples, 'a', 'audioPackets');
    expect(r.stallMs).toBeGreaterThanOrEqual(3000);
    expect(r.stallMs).toBeLessThanOrEqual(3400);
  });

  it('does not call a slow tick a silence: each connection keeps the time its counters were read', () => {
    // One tick reads peer a at 1,200 ms, then peer b's getStats() hangs for 5 s on a
    // starved page, so the tick ends at 6,200 with a's value as of 1,200. The next tick
    // reads a at 6,300. Audio from a never stopped.
    const reads = [0, 400, 800, 1200, 6300, 6700, 7100];
    const ends = [50, 450, 850, 6200, 6400, 6750, 7150];
    const samples: Sample[] = reads.map((at, i) => ({ t: ends[i]!, peers: { a: peer(steady(at), at) }, tiles: [] }));
    expect(longestStall(samples, 'a', 'audioPackets').stallMs).toBeLessThanOrEqual(1000);
    // Timed by the ticks alone, the same counters look like 5.35 s of silence.
    const byTick = samples.map((s) => ({ ...s, peers: { a: { ...s.peers.a!, at: undefined } } }));
    expect(longestStall(byTick, 'a', 'audioPackets').stallMs).toBeGreaterThan(5000);
  });

  it('counts a missing connection as not flowing', () => {
    const samples: Sample[] = [
      { t: 0, peers: { a: peer(0, 0) }, tiles: [] },
      { t: 400, peers: { a: peer(20, 400) }, tiles: [] },
      { t: 2900, peers: {}, tiles: [] },
      { t: 3300, peers: { a: peer(200, 3300) }, tiles: [] },
    ];
    expect(longestStall(samples, 'a', 'audioPackets').stallMs).toBeGreaterThanOrEqual(2500);
  });
});
