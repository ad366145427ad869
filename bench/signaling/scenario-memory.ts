import type { ResultRow } from '../lib/results.js';
import { checkMembership, planRooms, redisUsedMemory, startCluster, type VariantKey } from './cluster.js';
import { connectPlans, describeCounts, joinAll, type BenchContext, type ScenarioResult } from './context.js';
import { round } from './stats.js';

/**
 * Memory per connected participant: participants connect and join rooms of 4 in
 * steps; after each step the server's RSS (from /proc) is read once it settles.
 * Per-participant cost is (RSS at the last step − RSS before anyone connected) /
 * participants. The 400 MB target applies to one node holding all participants.
 */

const TARGET_PARTICIPANTS = 10_000;
const TARGET_RSS_MB = 400;
const MB = 1024 * 1024;

async function settle(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Runs the memory scenario on one variant. */
export async function memoryScenario(ctx: BenchContext, variant: VariantKey): Promise<ScenarioResult> {
  const steps = ctx.quick ? [1000, 2000] : [2500, 5000, 10000];
  const total = steps[steps.length - 1]!;
  const cluster = await startCluster(variant, ctx.redis, ctx.serverEnv, ctx.cluster);
  const notes: string[] = [];
  const label = cluster.label;
  try {
    await settle(1000);
    const baseline = cluster.rss();
    const redisBase = ctx.redis && variant !== 'memory-1' ? await redisUsedMemory(ctx.redis) : NaN;
    ctx.log(`  baseline RSS ${baseline.map((b) => `${round(b / MB, 1)} MB`).join(' + ')}`);
    const samples: Array<{ participants: number; rssMB: number[]; connectErrors: number }> = [];
    const members: Record<string, string[]> = {};
    let done = 0;
    let joinedTotal = 0;
    let connectFailed = 0;
    for (const target of steps) {
      // Room offsets keep names unique across steps (rooms of 4, so offset = participants / 4).
      const plans = planRooms(`mem-${variant}`, target - done, 4, cluster.nodes.length, ctx.pool.size, done / 4);
      const conn = await connectPlans(ctx, cluster, plans, 100);
      connectFailed += conn.failed;
      if (conn.failed) notes.push(`memory: ${conn.failed} sockets failed to connect at step ${target} (${describeCounts(conn.errors)})`);
      const j = await joinAll(ctx, 0, 200);
      joinedTotal += j.ok;
      Object.assign(members, j.members);
      done = target;
      await settle(ctx.quick ? 1000 : 2000);
      const rss = cluster.rss();
      samples.push({ participants: joinedTotal, rssMB: rss.map((b) => round(b / MB, 1)), connectErrors: conn.failed });
      ctx.log(`  ${joinedTotal} participants: RSS ${rss.map((b) => `${round(b / MB, 1)} MB`).join(' + ')} (connect ${Math.round(conn.ms)} ms)`);
    }
    const finalRss = cluster.rss();
    const redisMem = ctx.redis && variant !== 'memory-1' ? await redisUsedMemory(ctx.redis) : NaN;
    const check = await checkMembership(cluster.urls, members);
    const maxNodeMB = Math.max(...finalRss) / MB;
    const deltaBytes = finalRss.reduce((s, v) => s + v, 0) - baseline.reduce((s, v) => s + v, 0);
    const perParticipantKB = deltaBytes / joinedTotal / 1024;
    const single = cluster.nodes.length === 1;
    const full = total >= TARGET_PARTICIPANTS;
    const rows: ResultRow[] = [
      {
        variant: label,
        metric: 'participants connected and joined',
        value: joinedTotal,
        unit: 'participants',
        ...(full ? { target: `>= ${TARGET_PARTICIPANTS}`, pass: joinedTotal >= TARGET_PARTICIPANTS && check.missing === 0 } : {}),
        ...(check.missing || check.extra || connectFailed
          ? { note: `${connectFailed} connect failures; /userlist: ${check.missing} missing, ${check.extra} extra` }
          : {}),
      },
      {
        variant: label,
        metric: single ? `server RSS with ${joinedTotal} participants` : `largest node RSS with ${joinedTotal} participants (split over ${cluster.nodes.length})`,
        value: round(maxNodeMB, 1),
        unit: 'MB',
        ...(single && full ? { target: `<= ${TARGET_RSS_MB}`, pass: maxNodeMB <= TARGET_RSS_MB } : {}),
      },
      { variant: label, metric: 'RSS per participant (delta over idle server)', value: round(perParticipantKB, 1), unit: 'KB' },
    ];
    if (Number.isFinite(redisMem)) {
      rows.push({ variant: label, metric: 'redis used_memory per participant', value: round((redisMem - redisBase) / joinedTotal / 1024, 2), unit: 'KB' });
    }
    return {
      rows,
      details: {
        baselineMB: baseline.map((b) => round(b / MB, 1)),
        samples,
        finalMB: finalRss.map((b) => round(b / MB, 1)),
        perParticipantKB: round(perParticipantKB, 2),
        redisUsedMemoryMB: Number.isFinite(redisMem) ? round(redisMem / MB, 1) : null,
        userlist: check,
      },
      notes,
    };
  } finally {
    await ctx.pool.broadcast({ cmd: 'close' });
    await cluster.stop();
  }
}
