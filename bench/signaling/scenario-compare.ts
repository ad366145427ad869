import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import type { ResultRow } from '../lib/results.js';
import type { BaselineCheckout } from './baseline.js';
import { pinOneCore, planRooms, startCluster, VARIANTS, type Cluster, type VariantKey } from './cluster.js';
import { connectPlans, describeCounts, joinAll, type BenchContext, type ScenarioResult } from './context.js';
import { WorkerPool } from './pool.js';
import { redisCommand } from './procs.js';
import { step, type RelayStep } from './scenario-relay.js';
import { median, round } from './stats.js';

/**
 * This server against older builds of itself, in one run. Every build runs at the same
 * time as its own cluster with its own generator processes and participants (idle while
 * another build is measured), and the offered rates are stepped through build after build,
 * the order reversed at every step (A B, B A, A B …), so whatever else the machine is
 * doing hits every build alike. Compared per step pair: server CPU per relay (the steadier
 * figure) and p99 latency, as ratios current / baseline.
 */

/** Most a change may slow the relay path, as a ratio (the target of the CPU comparison). */
const MAX_SLOWDOWN = 1.05;

/** One build under comparison. */
interface Build {
  label: string;
  cluster: Cluster;
  pool: WorkerPool;
  steps: RelayStep[];
}

/** A measured step with the machine's 1-minute load average when it started. */
type Measured = RelayStep & { load1: number };

function load1(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** Options of {@link compareScenario}. */
export interface CompareOptions {
  baselines: BaselineCheckout[];
  /** Passes over the ladder of rates (each pass measures every build at every rate). */
  rounds: number;
  /** Offered rates, relays/s. @default [1000, 2500, 5000] ([2500] with --quick) */
  rates?: number[];
}

/**
 * Waits until no build's server is still working off an earlier step (all nodes together
 * below 10 % of a core over half a second), so a backlog left by one build is never
 * charged to the next. Gives up after 30 s (noted by the caller through the step's figures).
 */
async function quiesce(builds: Build[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const before = builds.reduce((n, b) => n + b.cluster.cpuMs(), 0);
    await new Promise((r) => setTimeout(r, 500));
    const used = builds.reduce((n, b) => n + b.cluster.cpuMs(), 0) - before;
    if (used < 50) return;
  }
}

/** Whether a step relayed everything it was offered (only such steps have a meaningful CPU per relay). */
function clean(s: RelayStep): boolean {
  return s.lost === 0 && s.ackedOkLost === 0 && Object.keys(s.ackErrors).length === 0 && !s.generatorBound;
}

/** Runs the comparison on one variant (a one-core variant pins every build's server and Redis to core 0). */
export async function compareScenario(ctx: BenchContext, variant: VariantKey, opts: CompareOptions): Promise<ScenarioResult> {
  const sockets = ctx.quick ? 400 : 1000;
  const stepMs = ctx.quick ? 2000 : 5000;
  const rates = opts.rates ?? (ctx.quick ? [2500] : [1000, 2500, 5000]);
  // ~400 bytes, an ICE candidate with its JSON wrapping (as the one-core ladder).
  const shape = { payloadBytes: 400, drainMs: 2000 };
  const notes: string[] = [];
  const builds: Build[] = [];
  const undo: (() => void)[] = [];
  if (ctx.redis && VARIANTS[variant].redis) await redisCommand(ctx.redis.port, 'FLUSHALL');
  // No shedding: on a starved machine a node refuses relays once its loop lags, a refused
  // relay costs less than a relayed one, and the builds would differ by how much they shed
  // rather than by what a relay costs. (Builds from before the shedding ignore the setting.)
  const env = { ...ctx.serverEnv, RELAY_MAX_LOOP_DELAY_MS: '60000' };
  try {
    const wanted = [{ label: 'current', checkout: undefined as string | undefined }, ...opts.baselines.map((b) => ({ label: `baseline ${b.short}`, checkout: b.dir }))];
    for (const [i, w] of wanted.entries()) {
      // Builds side by side share the Redis server (each with its own key prefix): no flush.
      // Older checkouts run from their sources, so this one does too: same loader for all.
      const cluster = await startCluster(variant, ctx.redis, env, { flush: false, fromSource: true, build: w.label, ...(w.checkout ? { checkout: w.checkout } : {}) });
      const pool = i === 0 ? ctx.pool : WorkerPool.start(ctx.pool.size);
      builds.push({ label: w.label, cluster, pool, steps: [] });
      if (VARIANTS[variant].oneCore) undo.push(pinOneCore(cluster, ctx.redis, pool.pids, cpus().length));
    }
    for (const b of builds) {
      const bctx = { ...ctx, pool: b.pool };
      const conn = await connectPlans(bctx, b.cluster, planRooms(`cmp-${variant}-${b.label.replace(/\W+/g, '-')}`, sockets, 4, b.cluster.nodes.length, b.pool.size));
      if (conn.failed) notes.push(`${b.label}: ${conn.failed} of ${sockets} sockets failed to connect (${describeCounts(conn.errors)})`);
      const joined = await joinAll(bctx, 0, 100);
      if (joined.ok < joined.attempted) notes.push(`${b.label}: ${joined.attempted - joined.ok} joins failed (${describeCounts(joined.errors)})`);
      ctx.log(`  ${b.label}: ${joined.ok} participants in rooms of 4 on ${b.cluster.label}`);
      ctx.log('  warm-up:');
      await step(bctx, b.cluster, 1000, ctx.quick ? 500 : 1500, shape);
    }
    let k = 0;
    for (let r = 0; r < opts.rounds; r++) {
      for (const rate of rates) {
        const order = k++ % 2 === 0 ? builds : [...builds].reverse();
        for (const b of order) {
          await quiesce(builds);
          const load = load1();
          ctx.log(`  round ${r + 1}, ${b.label} (load average ${load}):`);
          const s = await step({ ...ctx, pool: b.pool }, b.cluster, rate, stepMs, shape);
          b.steps.push({ ...s, load1: load } as Measured);
        }
      }
    }
    return summarize(builds, rates, notes, { sockets, stepMs, rounds: opts.rounds, baselines: opts.baselines.map((b) => ({ ref: b.ref, commit: b.commit, subject: b.subject })) });
  } finally {
    for (const u of undo) u();
    for (const b of builds) {
      await b.pool.broadcast({ cmd: 'close' }).catch(() => undefined);
      if (b.pool !== ctx.pool) await b.pool.stop();
      await b.cluster.stop();
    }
  }
}

function summarize(builds: Build[], rates: number[], notes: string[], meta: Record<string, unknown>): ScenarioResult {
  const [current, ...baselines] = builds as [Build, ...Build[]];
  const label = current.cluster.label.replace(/, current$/, '');
  const rows: ResultRow[] = [];
  const loads = builds.flatMap((b) => b.steps.map((s) => (s as Measured).load1));
  for (const base of baselines) {
    const allCpu: number[] = [];
    const allP99: number[] = [];
    for (const rate of rates) {
      // Steps of one rate in the order they ran; the i-th of each build ran back to back.
      const cur = current.steps.filter((s) => s.rate === rate);
      const old = base.steps.filter((s) => s.rate === rate);
      // A pair counts only when both steps relayed everything: a server that fell behind
      // leaves work past the step, and its CPU per relay means nothing then.
      const pairs = cur.map((s, i) => [s, old[i]!] as const).filter(([c, o]) => clean(c) && clean(o));
      const cpuRatios = pairs.map(([c, o]) => c.serverUsPerRelay / o.serverUsPerRelay);
      const p99Ratios = pairs.map(([c, o]) => c.p99 / o.p99);
      allCpu.push(...cpuRatios);
      allP99.push(...p99Ratios);
      const us = (xs: RelayStep[]) => round(median(xs.map((s) => s.serverUsPerRelay)), 1);
      const p99 = (xs: RelayStep[]) => round(median(xs.map((s) => s.p99)), 2);
      const curClean = pairs.map(([c]) => c);
      const oldClean = pairs.map(([, o]) => o);
      if (pairs.length < cur.length) notes.push(`${label} ${rate}/s vs ${base.label}: ${cur.length - pairs.length} of ${cur.length} pairs left out (a step lost relays, got error acks or could not offer the rate)`);
      rows.push({
        variant: label,
        metric: `${rate}/s: server CPU per relay, current / ${base.label}`,
        value: `${us(curClean)} / ${us(oldClean)}`,
        unit: 'µs',
        note: `ratio ${cpuRatios.length ? round(median(cpuRatios), 3) : 'n/a'} (median of ${cpuRatios.length} clean back-to-back pairs: ${cpuRatios.map((x) => round(x, 2)).join(', ') || 'none'})`,
      });
      rows.push({
        variant: label,
        metric: `${rate}/s: relay p99, current / ${base.label}`,
        value: `${p99(curClean)} / ${p99(oldClean)}`,
        unit: 'ms',
        note: `ratio ${p99Ratios.length ? round(median(p99Ratios), 3) : 'n/a'} (pairs: ${p99Ratios.map((x) => round(x, 2)).join(', ') || 'none'})`,
      });
      const lost = [...cur, ...old].reduce((n, s) => n + s.lost + s.ackedOkLost + s.misrouted + s.duplicates, 0);
      const errs = describeCounts([...cur, ...old].reduce<Record<string, number>>((m, s) => {
        for (const [c, n] of Object.entries(s.ackErrors)) m[c] = (m[c] ?? 0) + n;
        return m;
      }, {}));
      if (lost || errs) notes.push(`${label} ${rate}/s: ${lost} relays lost/misrouted/duplicated${errs ? `, error acks ${errs}` : ''} over both builds`);
    }
    const cpuRatio = allCpu.length ? round(median(allCpu), 3) : null;
    rows.push({
      variant: label,
      metric: `server CPU per relay, current / ${base.label} (all rates)`,
      value: cpuRatio,
      unit: 'ratio',
      target: `<= ${MAX_SLOWDOWN}`,
      pass: cpuRatio !== null && cpuRatio <= MAX_SLOWDOWN,
      note: cpuRatio === null ? 'no clean pair: every step lost relays (machine too busy for these rates; try lower --rates)' : `median of ${allCpu.length} clean back-to-back pairs`,
    });
    rows.push({
      variant: label,
      metric: `relay p99, current / ${base.label} (all rates)`,
      value: allP99.length ? round(median(allP99), 3) : null,
      unit: 'ratio',
      note: `median of ${allP99.length} clean pairs; latency moves with the machine's load, CPU per relay much less`,
    });
  }
  notes.push(`${label}: 1-minute load average ${Math.min(...loads)}–${Math.max(...loads)} during the measured steps (2 cores)`);
  return { rows, details: { ...meta, builds: builds.map((b) => ({ label: b.label, steps: b.steps })) }, notes };
}
