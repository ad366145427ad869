import type { ResultRow } from '../lib/results.js';
import { checkMembership, planRooms, startCluster, type VariantKey } from './cluster.js';
import { connectPlans, describeCounts, joinAll, type BenchContext, type ScenarioResult } from './context.js';
import { machineCpu } from './procs.js';
import { round, summarize } from './stats.js';

/**
 * Join throughput and correctness. Sockets connect first (not timed as joins),
 * then `room:join` is offered at a fixed rate above the 1,000/s target, members of
 * each room back to back so they race for the same room (and, with two nodes,
 * from both nodes). Then a second batch joins as fast as the server acks (a
 * burst, 8 per room). After each, `GET /userlist` on every node must list exactly
 * the ids the acks returned: the seed lost members exactly here.
 */

const TARGET_JOINS_PER_S = 1000;
const TARGET_P99_MS = 50;
/** Offered rate: above the target so meeting it means the server keeps up, not that we stopped offering. */
const OFFERED_JOINS_PER_S = 1200;

/** Runs the joins scenario on one variant. */
export async function joinsScenario(ctx: BenchContext, variant: VariantKey): Promise<ScenarioResult> {
  const paced = ctx.quick ? 1200 : 6000;
  const burst = ctx.quick ? 800 : 4000;
  const cluster = await startCluster(variant, ctx.redis, ctx.serverEnv, ctx.cluster);
  const notes: string[] = [];
  const label = cluster.label;
  try {
    // 1. Paced joins, rooms of 4.
    const plans = planRooms(`join-${variant}`, paced, 4, cluster.nodes.length, ctx.pool.size);
    const conn = await connectPlans(ctx, cluster, plans);
    if (conn.failed) notes.push(`joins: ${conn.failed} sockets failed to connect (${describeCounts(conn.errors)})`);
    ctx.log(`  ${conn.connected} sockets connected in ${Math.round(conn.ms)} ms (${Math.round((conn.connected / conn.ms) * 1000)}/s)`);
    const m0 = machineCpu();
    const cpu0 = cluster.cpuMs();
    const w0 = performance.now();
    const j = await joinAll(ctx, OFFERED_JOINS_PER_S, 1000);
    const m1 = machineCpu();
    const serverCpuMs = cluster.cpuMs() - cpu0;
    const serverCpu = round((serverCpuMs / (performance.now() - w0)) * 100, 1);
    const usPerJoin = round((serverCpuMs * 1000) / Math.max(1, j.attempted), 0);
    const machineBusy = round(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100, 1);
    const lat = summarize(j.latencies);
    const rate = (j.ok / j.durationMs) * 1000;
    const check = await checkMembership(cluster.urls, j.members);
    ctx.log(
      `  paced joins: ${j.ok}/${j.attempted} ok at ${Math.round(rate)}/s (offered ${OFFERED_JOINS_PER_S}/s), ack p50 ${round(lat.p50)} ms p99 ${round(lat.p99)} ms;` +
        ` /userlist on ${cluster.urls.length} node(s): ${check.missing} missing, ${check.extra} extra, ${check.httpErrors} HTTP errors;` +
        ` server CPU ${serverCpu}% of one core (${usPerJoin} µs/join), machine ${machineBusy}% busy`,
    );

    // 2. Burst: a fresh batch joins as fast as acks come back, 8 per room.
    const burstPlans = planRooms(`burst-${variant}`, burst, 8, cluster.nodes.length, ctx.pool.size);
    await connectPlans(ctx, cluster, burstPlans);
    const b = await joinAll(ctx, 0, 200);
    const blat = summarize(b.latencies);
    const brate = (b.ok / b.durationMs) * 1000;
    const bcheck = await checkMembership(cluster.urls, b.members);
    ctx.log(
      `  burst joins: ${b.ok}/${b.attempted} ok at ${Math.round(brate)}/s, ack p50 ${round(blat.p50)} ms p99 ${round(blat.p99)} ms;` +
        ` /userlist: ${bcheck.missing} missing, ${bcheck.extra} extra, ${bcheck.httpErrors} HTTP errors`,
    );

    const errors = { ...j.errors };
    for (const [k, v] of Object.entries(b.errors)) errors[k] = (errors[k] ?? 0) + v;
    const lost = check.missing + check.extra + check.httpErrors + bcheck.missing + bcheck.extra + bcheck.httpErrors;
    const rows: ResultRow[] = [
      {
        variant: label,
        metric: `join rate, offered ${OFFERED_JOINS_PER_S}/s (${paced} joins, rooms of 4)`,
        value: round(rate, 0),
        unit: 'joins/s',
        target: `>= ${TARGET_JOINS_PER_S}`,
        pass: rate >= TARGET_JOINS_PER_S,
      },
      { variant: label, metric: `join ack p50 @ ${OFFERED_JOINS_PER_S}/s`, value: round(lat.p50, 3), unit: 'ms' },
      { variant: label, metric: `server CPU per join${cluster.nodes.length > 1 ? ' (both nodes)' : ''}`, value: usPerJoin, unit: 'µs' },
      {
        variant: label,
        metric: `join ack p99 @ ${OFFERED_JOINS_PER_S}/s`,
        value: round(lat.p99, 3),
        unit: 'ms',
        target: `<= ${TARGET_P99_MS}`,
        pass: lat.p99 <= TARGET_P99_MS,
        ...(lat.p99 > TARGET_P99_MS ? { note: `server CPU ${serverCpu}% of one core; machine ${machineBusy}% busy (all cores)` } : {}),
      },
      {
        variant: label,
        metric: `burst join rate (${burst} joins, 8 per room, 200 in flight per generator)`,
        value: round(brate, 0),
        unit: 'joins/s',
        note: `ack p50 ${round(blat.p50)} ms, p99 ${round(blat.p99)} ms (queueing: the burst offers more than the server takes)`,
      },
      {
        variant: label,
        metric: `members lost or extra in /userlist (${check.rooms + bcheck.rooms} rooms x ${cluster.urls.length} node(s))`,
        value: lost,
        unit: 'members',
        target: '0',
        pass: lost === 0,
      },
      {
        variant: label,
        metric: 'join errors',
        value: j.attempted + b.attempted - j.ok - b.ok,
        unit: 'joins',
        target: '0',
        pass: j.ok + b.ok === j.attempted + b.attempted && j.attempted + b.attempted === paced + burst,
        ...(Object.keys(errors).length ? { note: describeCounts(errors) } : {}),
      },
    ];
    return {
      rows,
      details: {
        paced: { offered: OFFERED_JOINS_PER_S, joins: paced, ok: j.ok, rate: round(rate, 1), latency: lat, userlist: check, serverCpu, usPerJoin, machineBusy },
        burst: { joins: burst, ok: b.ok, rate: round(brate, 1), latency: blat, userlist: bcheck },
        connect: { sockets: conn.connected, ms: round(conn.ms, 0) },
      },
      notes,
    };
  } finally {
    await ctx.pool.broadcast({ cmd: 'close' });
    await cluster.stop();
  }
}
