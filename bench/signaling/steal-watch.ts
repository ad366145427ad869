import { readFileSync } from 'node:fs';

/**
 * Time the hypervisor took from one core while a rung ran, sampled finely enough to see
 * bursts. A virtual machine's core can be taken away for 100 ms and more at a time; the
 * server pinned to it then answers nothing for that long, and a p99 over an 8-second rung
 * at 5,000 relays/s moves with one such burst. The machine-wide steal share over the rung
 * cannot tell a burst from a steady trickle, so the ladder reports both.
 */
export interface StealReading {
  /** Share of the core's time stolen over the whole window, %. */
  stolenPct: number;
  /** Most stolen time in any window of {@link BURST_WINDOW_MS}, ms. */
  worstBurstMs: number;
}

/** Width of the sliding window a burst is measured in, ms. */
export const BURST_WINDOW_MS = 200;
const SAMPLE_MS = 20;

/** Jiffies of one core: [stolen, all time], or null when /proc/stat has no such core. */
function readCore(core: number): [number, number] | null {
  const prefix = `cpu${core} `;
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(prefix));
  if (!line) return null;
  // cpuN user nice system idle iowait irq softirq steal …
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return [v[7]!, v.reduce((s, x) => s + x, 0)];
}

/** Starts sampling `core`; `stop()` ends it and returns the reading (null off Linux). */
export function watchSteal(core: number): { stop(): StealReading | null } {
  const first = readCore(core);
  if (!first) return { stop: () => null };
  // USER_HZ is 100 on Linux: a jiffy is 10 ms.
  const jiffyMs = 10;
  const samples: Array<{ at: number; stolen: number }> = [{ at: performance.now(), stolen: first[0] }];
  const timer = setInterval(() => {
    const now = readCore(core);
    if (now) samples.push({ at: performance.now(), stolen: now[0] });
  }, SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      const last = readCore(core)!;
      samples.push({ at: performance.now(), stolen: last[0] });
      let worst = 0;
      let from = 0;
      for (let to = 1; to < samples.length; to++) {
        while (samples[to]!.at - samples[from]!.at > BURST_WINDOW_MS) from++;
        worst = Math.max(worst, (samples[to]!.stolen - samples[from]!.stolen) * jiffyMs);
      }
      const total = last[1] - first[1];
      return { stolenPct: total > 0 ? ((last[0] - first[0]) / total) * 100 : 0, worstBurstMs: worst };
    },
  };
}
