import type { ResultRow } from '../lib/results.js';
import type { Cluster, ClusterOptions } from './cluster.js';
import type { Managed } from './procs.js';
import type { WorkerPool } from './pool.js';
import { mergeCounts } from './stats.js';
import type { ConnectReply, JoinReply, RoomPlan } from './worker-protocol.js';

/** What every scenario gets from `main.ts`. */
export interface BenchContext {
  pool: WorkerPool;
  /** The shared redis-server, when a Redis variant runs. */
  redis: Managed | null;
  quick: boolean;
  /** Progress output (stderr, so stdout stays the table). */
  log: (line: string) => void;
  /** Extra server environment for every node (e.g. rate-limit overrides). */
  serverEnv: Record<string, string>;
  /** Which build the scenario's servers run (`--baseline` with `--scenarios`); default: this one, as shipped. */
  cluster?: ClusterOptions;
}

/** What a scenario hands back: table rows plus details for the JSON `meta`. */
export interface ScenarioResult {
  rows: ResultRow[];
  details: Record<string, unknown>;
  notes: string[];
}

/** Connects the planned rooms' members on every worker; sums the replies. */
export async function connectPlans(ctx: BenchContext, cluster: Cluster, plans: RoomPlan[][], concurrency = 50): Promise<ConnectReply> {
  const replies = await ctx.pool.all(plans.map((rooms) => (rooms.length ? { cmd: 'connect' as const, urls: cluster.urls, rooms, concurrency } : null)));
  const got = replies.filter((r): r is ConnectReply => r !== null);
  return {
    connected: got.reduce((s, r) => s + r.connected, 0),
    failed: got.reduce((s, r) => s + r.failed, 0),
    errors: mergeCounts(got.map((r) => r.errors)),
    ms: Math.max(0, ...got.map((r) => r.ms)),
  };
}

/** Joins every connected member that has not joined; `totalRate` is split over workers. */
export async function joinAll(ctx: BenchContext, totalRate: number, maxInFlightPerWorker: number): Promise<JoinReply> {
  const per = totalRate > 0 ? totalRate / ctx.pool.size : 0;
  const replies = await ctx.pool.broadcast({ cmd: 'join', ratePerSec: per, maxInFlight: maxInFlightPerWorker });
  const latencies = new Float64Array(replies.reduce((s, r) => s + r.latencies.length, 0));
  let o = 0;
  for (const r of replies) {
    latencies.set(r.latencies, o);
    o += r.latencies.length;
  }
  return {
    attempted: replies.reduce((s, r) => s + r.attempted, 0),
    ok: replies.reduce((s, r) => s + r.ok, 0),
    errors: mergeCounts(replies.map((r) => r.errors)),
    latencies,
    durationMs: Math.max(0, ...replies.map((r) => r.durationMs)),
    members: Object.assign({}, ...replies.map((r) => r.members)) as Record<string, string[]>,
  };
}

/** Formats an error-count map for notes: `ROOM_FULL×3, RATE_LIMITED×1`. */
export function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([k, v]) => `${k}×${v}`)
    .join(', ');
}
