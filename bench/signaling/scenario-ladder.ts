import { BENCH_METRICS_TOKEN } from './procs.js';
import { cpus } from 'node:os';
import type { ResultRow } from '../lib/results.js';
import { pinOneCore, planRooms, SERVER_CORE, startCluster, type Cluster, type VariantKey } from './cluster.js';
import { connectPlans, describeCounts, joinAll, type BenchContext, type ScenarioResult } from './context.js';
import { coreSpeedMs, cpuSplitMs, redisOutputBufferDisconnects, threadCpuMs } from './procs.js';
import { step, type RelayStep } from './scenario-relay.js';
import { BURST_WINDOW_MS, watchSteal, type StealReading } from './steal-watch.js';
import { round } from './stats.js';

/**
 * Relay capacity of one core: the server and its Redis pinned to one core, the
 * generators to the other, and a ladder of offered rates that keeps going past
 * saturation (no stop at the first bad step). Per step: latency, how many relays were
 * acked `ok` and whether each of those arrived, the error codes of the rest, server
 * CPU per relay, RSS, and whether Redis cut a pub/sub client off.
 */

/** Latency bound of the one-core capacity target. */
const CAPACITY_P99_MS = 20;
/** Targets: ≥ this rate within {@link CAPACITY_P99_MS}; the CPU budget is read at {@link CPU_RATE}. */
const CAPACITY_RATE = 5000;
const CPU_RATE = 2500;
const CPU_US_PER_RELAY = 100;
/** At the top rung every acked relay arrives, memory stays below this, the rest gets an error code. */
const OVERLOAD_RATE = 10_000;
const OVERLOAD_RSS_MB = 400;

/** One rung plus what the pinned deployment reported around it. */
interface Rung extends RelayStep {
  /** Relays that got no ack at all before the drain ended. */
  unanswered: number;
  /** Redis closed a client for its output buffer during the step (from the redis log). */
  outputBufferCuts: number;
  /** The node's count of subscriber reconnects after the step (`null`: the metric is absent). */
  subscriberReconnects: number | null;
  /** Time the hypervisor took from the server's core during the step (null off Linux). */
  serverCoreSteal: StealReading | null;
  /** CPU ms the server's core took for the reference work just before and just after the step (procs.ts, coreSpeedMs). */
  coreSpeedMs: [number, number];
}

/** The first node's `/metrics` text ('' when it cannot be read). */
function scrape(cluster: Cluster): Promise<string> {
  return fetch(`${cluster.urls[0]}/metrics`, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } })
    .then((r) => (r.ok ? r.text() : ''))
    .catch(() => '');
}

/** `meshmeet_redis_subscriber_reconnects_total` of the first node, or null when absent. */
function subscriberReconnects(text: string): number | null {
  const m = /^meshmeet_redis_subscriber_reconnects_total (\d+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

/** What the server's own loop went through, from prom-client's default metrics (null: the server has no `/metrics`, e.g. the socket.io floor). */
interface LoopReading {
  /** Event-loop delay since the previous scrape (prom-client resets it on every scrape), ms. */
  lagMaxMs: number;
  lagP99Ms: number;
  /** Cumulative GC pause time and count by kind (major, minor, incremental, weakcb). */
  gc: Record<string, { ms: number; count: number }>;
}

function loopReading(text: string): LoopReading | null {
  if (text === '') return null;
  const value = (name: string): number => Number(new RegExp(`^meshmeet_${name} ([\\d.e+-]+)`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  const gc: LoopReading['gc'] = {};
  for (const m of text.matchAll(/^meshmeet_nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} ([\d.e+-]+)/gm)) {
    const k = (gc[m[2]!] ??= { ms: 0, count: 0 });
    if (m[1] === 'sum') k.ms = Number(m[3]) * 1000;
    else k.count = Number(m[3]);
  }
  return { lagMaxMs: value('nodejs_eventloop_lag_max_seconds'), lagP99Ms: value('nodejs_eventloop_lag_p99_seconds'), gc };
}

/** GC pauses between two readings, e.g. "major 3× 210 ms, minor 120× 95 ms". */
function gcBetween(a: LoopReading, b: LoopReading): string {
  return Object.entries(b.gc)
    .map(([kind, v]) => ({ kind, count: v.count - (a.gc[kind]?.count ?? 0), ms: v.ms - (a.gc[kind]?.ms ?? 0) }))
    .filter((d) => d.count > 0)
    .map((d) => `${d.kind} ${d.count}× ${round(d.ms, 0)} ms`)
    .join(', ');
}

function sustained(s: Rung): boolean {
  return s.lost === 0 && s.ackedOkLost === 0 && Object.keys(s.ackErrors).length === 0 && s.p99 <= CAPACITY_P99_MS && !s.generatorBound;
}

/** Runs the one-core ladder on a one-core variant. */
export async function ladderScenario(ctx: BenchContext, variant: VariantKey): Promise<ScenarioResult> {
  const sockets = ctx.quick ? 400 : 2000;
  const stepMs = ctx.quick ? 2000 : 8000;
  const rates = ctx.quick ? [CPU_RATE, OVERLOAD_RATE] : [1000, CPU_RATE, CAPACITY_RATE, 7500, OVERLOAD_RATE];
  // ~400 bytes: an ICE candidate with its JSON wrapping, as the issue measured.
  const shape = { payloadBytes: 400, drainMs: ctx.quick ? 5000 : 10_000 };
  const cluster = await startCluster(variant, ctx.redis, ctx.serverEnv, ctx.cluster);
  const unpin = pinOneCore(cluster, ctx.redis, ctx.pool.pids, cpus().length);
  const notes: string[] = [];
  try {
    const plans = planRooms(`ladder-${variant}`, sockets, 4, 1, ctx.pool.size);
    const conn = await connectPlans(ctx, cluster, plans);
    if (conn.failed) notes.push(`ladder: ${conn.failed} of ${sockets} sockets failed to connect (${describeCounts(conn.errors)})`);
    const joined = await joinAll(ctx, 0, 100);
    if (joined.ok < joined.attempted) notes.push(`ladder: ${joined.attempted - joined.ok} joins failed (${describeCounts(joined.errors)})`);
    ctx.log(`  ${joined.ok} participants in rooms of 4; server${cluster.redis ? ' and redis-server' : ''} on core 0, generators on the rest`);
    // The fixed cost of holding the sockets (heartbeats, timers), without relays: part of
    // every rung's CPU per relay, the larger part at low rates.
    const idleMs = ctx.quick ? 2000 : 10_000;
    const idleCpu0 = cluster.cpuMs();
    const threads0 = threadCpuMs(cluster.nodes[0]!.pid);
    const idle0 = performance.now();
    await new Promise((r) => setTimeout(r, idleMs));
    const idleWall = performance.now() - idle0;
    const idleCpu = round(((cluster.cpuMs() - idleCpu0) / idleWall) * 100, 2);
    // By thread: the JavaScript thread (heartbeats, timers) apart from V8's and libuv's helpers (GC, I/O).
    const byThread = [...threadCpuMs(cluster.nodes[0]!.pid)]
      .map(([name, ms]) => `${name} ${round(((ms - (threads0.get(name) ?? 0)) / idleWall) * 100, 1)}%`)
      .join(', ');
    ctx.log(`  idle, ${joined.ok} sockets joined, no relays: server CPU ${idleCpu}% of one core (${byThread})`);
    ctx.log('  warm-up:');
    await step(ctx, cluster, 1000, ctx.quick ? 500 : 1500, shape);
    const rungs: Rung[] = [];
    for (const rate of rates) {
      // The core's own speed around the rung: on this virtual machine a core has run a third
      // slower for minutes at a time, with no time counted as stolen.
      const speed0 = coreSpeedMs(SERVER_CORE);
      const cuts0 = redisOutputBufferDisconnects();
      const loop0 = loopReading(await scrape(cluster));
      const split0 = cpuSplitMs(cluster.nodes[0]!.pid);
      const steal = watchSteal(SERVER_CORE);
      const s = await step(ctx, cluster, rate, stepMs, shape);
      const stolen = steal.stop();
      const split1 = cpuSplitMs(cluster.nodes[0]!.pid);
      const speed1 = coreSpeedMs(SERVER_CORE);
      const kernelShare = (split1.system - split0.system) / Math.max(1, split1.system - split0.system + split1.user - split0.user);
      const errors = Object.values(s.ackErrors).reduce((a, b) => a + b, 0);
      const text = await scrape(cluster);
      const loop1 = loopReading(text);
      // Tells a server stall (GC, a long turn) from a generator stall when p99 jumps.
      ctx.log(
        `    server: ${round(kernelShare * 100, 0)} % of its CPU in the kernel; its core ran the reference work in ${speed0} / ${speed1} ms; ${
          loop0 && loop1
            ? `loop delay p99 ${round(loop1.lagP99Ms, 1)} ms, max ${round(loop1.lagMaxMs, 1)} ms; GC ${gcBetween(loop0, loop1) || 'none'}`
            : 'loop delay and GC not reported (no /metrics)'
        }` +
          (stolen ? `; its core ${round(stolen.stolenPct, 1)} % stolen, at most ${stolen.worstBurstMs} ms in ${BURST_WINDOW_MS} ms` : ''),
      );
      const rung: Rung = {
        ...s,
        unanswered: Math.max(0, s.sent - s.ackedOk - errors),
        outputBufferCuts: redisOutputBufferDisconnects() - cuts0,
        subscriberReconnects: subscriberReconnects(text),
        serverCoreSteal: stolen,
        coreSpeedMs: [speed0, speed1],
      };
      if (rung.outputBufferCuts || rung.unanswered) {
        ctx.log(`    redis output-buffer cuts ${rung.outputBufferCuts}, unanswered ${rung.unanswered}, subscriber reconnects ${rung.subscriberReconnects ?? 'n/a'}`);
      }
      rungs.push(rung);
    }
    const label = cluster.label;
    const rows: ResultRow[] = [];
    rows.push({
      variant: label,
      metric: `1-core idle: server CPU with ${joined.ok} sockets joined, no relays`,
      value: idleCpu,
      unit: '% of 1 core',
      note: `= ${Math.round((idleCpu * 10_000) / CPU_RATE)} µs of each relay's CPU at ${CPU_RATE}/s`,
    });
    for (const r of rungs) {
      const delivered = r.ackedOk - r.ackedOkLost;
      const errs = describeCounts(r.ackErrors);
      rows.push({
        variant: label,
        metric: `1-core ${r.rate}/s: p50 / p99`,
        value: `${r.p50} / ${r.p99}`,
        unit: 'ms',
        ...(r.serverCoreSteal ? { note: `server core stolen ${round(r.serverCoreSteal.stolenPct, 1)} %, at most ${r.serverCoreSteal.worstBurstMs} ms in ${BURST_WINDOW_MS} ms` } : {}),
      });
      rows.push({
        variant: label,
        metric: `1-core ${r.rate}/s: delivered / acked ok / sent`,
        value: `${delivered} / ${r.ackedOk} / ${r.sent}`,
        unit: 'relays',
        ...(errs || r.unanswered ? { note: `${errs ? `error acks: ${errs}` : ''}${r.unanswered ? ` unanswered: ${r.unanswered}` : ''}`.trim() } : {}),
      });
      rows.push({
        variant: label,
        metric: `1-core ${r.rate}/s: server CPU per relay sent, RSS`,
        value: `${r.serverUsPerRelay} µs, ${r.rssMB} MB`,
        unit: '',
        note: `server ${r.serverCpu}%${r.redisCpu !== null ? `, redis ${r.redisCpu}%` : ''} of the pinned core; other processes ~${r.othersCpu}% of a core${r.outputBufferCuts ? `; redis cut ${r.outputBufferCuts} client(s) off for their output buffer` : ''}`,
      });
    }
    // The capacity is the top of the unbroken run of sustained rungs from the bottom: a
    // rung that happens to pass above one that failed does not raise it.
    let best = 0;
    for (const r of rungs) {
      if (!sustained(r)) break;
      best = r.rate;
    }
    rows.push({
      variant: label,
      metric: `1-core max rate with p99 <= ${CAPACITY_P99_MS} ms, every relay delivered`,
      value: best,
      unit: 'relays/s',
      target: `>= ${CAPACITY_RATE}`,
      pass: best >= CAPACITY_RATE,
    });
    const cpuRung = rungs.find((r) => r.rate === CPU_RATE);
    if (cpuRung) {
      rows.push({
        variant: label,
        metric: `1-core server CPU per relay @ ${CPU_RATE}/s`,
        value: cpuRung.serverUsPerRelay,
        unit: 'µs',
        target: `<= ${CPU_US_PER_RELAY}`,
        pass: cpuRung.serverUsPerRelay <= CPU_US_PER_RELAY,
        note:
          `the server's core took ${cpuRung.coreSpeedMs[0]} / ${cpuRung.coreSpeedMs[1]} ms of CPU for the reference work before / after this rung (lower is faster; procs.ts, coreSpeedMs)` +
          (cpuRung.redisCpu !== null ? `; plus redis-server ~${Math.round((cpuRung.redisCpu * 10_000) / CPU_RATE)} µs per relay` : ''),
      });
    }
    const top = rungs.find((r) => r.rate === OVERLOAD_RATE);
    if (top) {
      rows.push({
        variant: label,
        metric: `1-core ${OVERLOAD_RATE}/s: relays acked ok but lost`,
        value: top.ackedOkLost,
        unit: 'relays',
        target: '0',
        pass: top.ackedOkLost === 0 && top.refusedDelivered === 0,
      });
      rows.push({ variant: label, metric: `1-core ${OVERLOAD_RATE}/s: server RSS`, value: top.rssMB, unit: 'MB', target: `<= ${OVERLOAD_RSS_MB}`, pass: top.rssMB <= OVERLOAD_RSS_MB });
      const refused = top.sent - top.ackedOk;
      rows.push({
        variant: label,
        metric: `1-core ${OVERLOAD_RATE}/s: relays not acked ok that got no error code`,
        value: top.unanswered,
        unit: 'relays',
        target: '0',
        pass: top.unanswered === 0,
        note: `${refused} of ${top.sent} not acked ok${describeCounts(top.ackErrors) ? ` (${describeCounts(top.ackErrors)})` : ''}`,
      });
    }
    return { rows, details: { sockets, roomSize: 4, stepMs, payloadBytes: shape.payloadBytes, idleCpu, rungs }, notes };
  } finally {
    unpin();
    await ctx.pool.broadcast({ cmd: 'close' });
    await cluster.stop();
  }
}
