import { describe, expect, it } from 'vitest';
import { longestAudioBreak, longestStall, type PeerSample, type Sample } from './monitor.js';

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

/** Playout counters read every 400 ms for 8 s; `rates(t)` gives what was played per second then and the made-up part. */
function playout(rates: (t: number) => { played: number; concealed: number }): Sample[] {
  const samples: Sample[] = [];
  let played = 0;
  let concealed = 0;
  for (let t = 0; t <= 8000; t += 400) {
    if (t > 0) {
      const r = rates(t - 200);
      played += r.played * 0.4;
      concealed += r.concealed * 0.4;
    }
    // Packet counts stand still throughout: the verdict must not depend on them.
    samples.push({ t, peers: { a: { ...peer(0, t), audioPlayedS: played, audioConcealedS: concealed } }, tiles: [] });
  }
  return samples;
}

describe('longestAudioBreak', () => {
  it('hears three seconds of concealment as a break', () => {
    // Reads every 400 ms; the seven reads from 2.4 s to 4.8 s each cover 0.4 s all made up.
    const r = longestAudioBreak(playout((t) => (t >= 2000 && t < 5000 ? { played: 1, concealed: 1 } : { played: 1, concealed: 0 })), 'a');
    expect(r.breakMs).toBe(2800);
    expect(r.breaks).toEqual([{ from: 2000, to: 4800, ms: 2800 }]);
    expect(r.listenerStallMs).toBe(0);
  });

  it('counts the audio made up, not the time between two late reads', () => {
    // One read 2.4 s after the previous on a starved page; 1.2 s of that was concealment.
    const at = (t: number, played: number, concealed: number): Sample => ({
      t,
      peers: { a: { ...peer(0, t), audioPlayedS: played, audioConcealedS: concealed } },
      tiles: [],
    });
    const r = longestAudioBreak([at(0, 0, 0), at(400, 0.4, 0), at(2800, 2.8, 1.2), at(3200, 3.2, 1.2)], 'a');
    expect(r.breakMs).toBe(0);
    const worse = longestAudioBreak([at(0, 0, 0), at(400, 0.4, 0), at(2800, 2.8, 1.6), at(3200, 3.2, 1.6)], 'a');
    expect(worse.breakMs).toBe(1600);
    expect(worse.breaks).toEqual([{ from: 400, to: 2800, ms: 1600 }]);
  });

  it('hears no break in clean playout, whatever the packet counter says', () => {
    const r = longestAudioBreak(playout(() => ({ played: 1, concealed: 0.05 })), 'a');
    expect(r.breakMs).toBe(0);
    expect(r.playedS).toBeCloseTo(8, 5);
    expect(r.spanS).toBeCloseTo(8, 5);
  });

  it('takes a listener that played nothing for its own stall, which neither makes nor ends a break', () => {
    const stalled = longestAudioBreak(playout((t) => (t > 2000 && t < 5000 ? { played: 0, concealed: 0 } : { played: 1, concealed: 0 })), 'a');
    expect(stalled.breakMs).toBe(0);
    expect(stalled.listenerStallMs).toBeGreaterThanOrEqual(2800);
    expect(stalled.playedS).toBeLessThan(0.7 * stalled.spanS);
    // Concealment on both sides of a stall adds up to one break.
    const around = longestAudioBreak(
      playout((t) => {
        if (t >= 1000 && t < 2200) return { played: 1, concealed: 1 }; // 1.2 s of concealment
        if (t >= 2200 && t < 5000) return { played: 0, concealed: 0 }; // the listener stalls
        if (t >= 5000 && t < 6200) return { played: 1, concealed: 1 }; // 1.2 s more, after the stall
        return { played: 1, concealed: 0 };
      }),
      'a',
    );
    expect(around.breakMs).toBe(2400);
  });
});
