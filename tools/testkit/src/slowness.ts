/**
 * How much slower than an idle machine this one runs right now, measured once per test
 * process: a short CPU-bound calibration loop is timed on the wall clock and on the
 * process's CPU clock. On an idle machine the two agree (factor ≈ 1); when other work
 * competes for the cores the process waits its turn, and wall time grows past CPU time
 * in proportion. Condition waits multiply their deadlines by this factor, so a wait sized
 * for an idle machine still fits on a shared, busy one, while an idle run keeps its
 * tight bounds. Nothing here sleeps: only deadlines move.
 *
 * `MESHMEET_SLOWNESS=<number>` replaces the measurement (e.g. `1` for the idle bounds).
 */

/** Deadlines never shrink below their idle size, nor stretch past this many times it. */
export const MAX_SLOWNESS = 6;

/** CPU time the calibration loop burns; long enough to see scheduling, short enough to ignore. */
const CALIBRATION_CPU_MS = 40;

/** Where the loop's result goes, so the optimiser cannot drop the loop. */
let sink = 0;

/** One calibration: wall time over CPU time of a busy loop (≥ 1 unless the clocks disagree). */
export function measureSlowness(cpuBudgetMs = CALIBRATION_CPU_MS): { factor: number; wallMs: number; cpuMs: number } {
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const cpuMs = () => {
    const used = process.cpuUsage(cpuStart);
    return (used.user + used.system) / 1000;
  };
  let x = 1;
  while (cpuMs() < cpuBudgetMs) {
    for (let i = 0; i < 20_000; i++) x = (Math.imul(x, 48_271) + i) | 0;
  }
  const wallMs = performance.now() - wallStart;
  const used = cpuMs();
  sink ^= x;
  return { factor: wallMs / used, wallMs, cpuMs: used };
}

/** Clamps a factor into [1, MAX_SLOWNESS]. */
export function clampSlowness(factor: number): number {
  if (!Number.isFinite(factor)) return MAX_SLOWNESS;
  return Math.min(MAX_SLOWNESS, Math.max(1, factor));
}

let cached: number | undefined;

/**
 * This process's slowness factor: `MESHMEET_SLOWNESS` if set, else measured on first use
 * (the better of two calibrations, so one unlucky preemption does not inflate it).
 * Printed once to stderr when it stretches deadlines by half or more, so a slow run says
 * how slow it thought the machine was.
 */
export function slowness(): number {
  if (cached !== undefined) return cached;
  const forced = process.env.MESHMEET_SLOWNESS;
  if (forced !== undefined && forced !== '') {
    const value = Number(forced);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`MESHMEET_SLOWNESS must be a positive number, got "${forced}"`);
    cached = value;
    return cached;
  }
  const measured = Math.min(measureSlowness().factor, measureSlowness().factor);
  cached = clampSlowness(measured);
  if (cached >= 1.5) process.stderr.write(`testkit: slowness factor ${cached.toFixed(2)} (calibration wall/CPU ${measured.toFixed(2)})\n`);
  return cached;
}

/** `ms` stretched by the slowness factor: the deadline for a wait sized on an idle machine. */
export function scaled(ms: number): number {
  return Math.round(ms * slowness());
}
