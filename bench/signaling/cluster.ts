import { cpuMs, pinToCpus, redisCommand, rssBytes, startServer, type Managed } from './procs.js';
import type { RoomPlan } from './worker-protocol.js';

/**
 * One deployment under test: one or two server nodes, on the in-memory store or
 * on a shared Redis, and how simulated participants are spread over nodes and
 * generator processes.
 */

/** The deployments the bench compares. */
export const VARIANTS = {
  'memory-1': { label: 'memory, 1 node', redis: false, nodes: 1, oneCore: false },
  'redis-1': { label: 'redis, 1 node', redis: true, nodes: 1, oneCore: false },
  'redis-2': { label: 'redis, 2 nodes', redis: true, nodes: 2, oneCore: false },
  // The server and its redis-server pinned to one core, the generators to the other: the
  // capacity of one core, which a server sharing both cores with its load would hide.
  'memory-1c': { label: 'memory, 1 node, 1 core', redis: false, nodes: 1, oneCore: true },
  'redis-1c': { label: 'redis, 1 node, 1 core', redis: true, nodes: 1, oneCore: true },
} as const;

/** Key of {@link VARIANTS}. */
export type VariantKey = keyof typeof VARIANTS;

/** Running server nodes of one variant. */
export interface Cluster {
  variant: VariantKey;
  label: string;
  /** True when the nodes use Redis. */
  redis: boolean;
  nodes: Managed[];
  urls: string[];
  /** Sum of the nodes' CPU time so far, ms. */
  cpuMs(): number;
  /** RSS of each node, bytes. */
  rss(): number[];
  stop(): Promise<void>;
}

let clusterSeq = 0;

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** Run the server of this checkout (see `ServerOptions.checkout`); default: this one. */
  checkout?: string;
  /** Label suffix naming the build, e.g. `baseline 5e59548`. */
  build?: string;
  /** Flush the shared Redis first (default true); false when clusters run side by side. */
  flush?: boolean;
  /** Run this checkout from its sources (see `ServerOptions.fromSource`). */
  fromSource?: boolean;
  /** Start this server instead of meshmeet's (see `ServerOptions.entry`). */
  entry?: string;
}

/**
 * Starts the nodes of `variant`. Each cluster gets its own Redis key prefix so
 * leftovers of an earlier scenario can never be counted; the Redis server itself
 * is shared and flushed between clusters (unless `opts.flush` is false).
 */
export async function startCluster(variant: VariantKey, redis: Managed | null, env: Record<string, string> = {}, opts: ClusterOptions = {}): Promise<Cluster> {
  const v = VARIANTS[variant];
  if (v.redis && !redis) throw new Error(`variant ${variant} needs redis`);
  const tag = `${variant}-${++clusterSeq}`;
  if (redis && opts.flush !== false) await redisCommand(redis.port, 'FLUSHALL');
  const nodes: Managed[] = [];
  try {
    // Start nodes one after the other: two processes compiling TypeScript at once on
    // two cores would just slow both down.
    for (let i = 0; i < v.nodes; i++) {
      nodes.push(
        await startServer({
          name: `server-${tag}-n${i}`,
          ...(v.redis ? { redisUrl: redis!.url, redisPrefix: `bench:${tag}:` } : {}),
          maxRoomSize: 8,
          env,
          ...(opts.checkout ? { checkout: opts.checkout } : {}),
          ...(opts.fromSource ? { fromSource: true } : {}),
          ...(opts.entry ? { entry: opts.entry } : {}),
        }),
      );
    }
  } catch (e) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw e;
  }
  return {
    variant,
    label: opts.build ? `${v.label}, ${opts.build}` : v.label,
    redis: v.redis,
    nodes,
    urls: nodes.map((n) => n.url),
    cpuMs: () => nodes.reduce((s, n) => s + cpuMs(n.pid), 0),
    rss: () => nodes.map((n) => rssBytes(n.pid)),
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

/**
 * Splits `participants` into rooms of `roomSize` and deals whole rooms to
 * `workers` generators round-robin (so a relay's two ends share a clock). With
 * several nodes, members of a room alternate between nodes, so most relays cross
 * nodes (with 2 nodes and rooms of 4, two of each member's three targets are on the
 * other node).
 */
export function planRooms(prefix: string, participants: number, roomSize: number, nodes: number, workers: number, offset = 0): RoomPlan[][] {
  const plans: RoomPlan[][] = Array.from({ length: workers }, () => []);
  const roomCount = Math.ceil(participants / roomSize);
  for (let r = 0; r < roomCount; r++) {
    const size = Math.min(roomSize, participants - r * roomSize);
    plans[r % workers]!.push({
      name: `${prefix}-${offset + r}`,
      nodes: Array.from({ length: size }, (_, j) => (r + j) % nodes),
    });
  }
  return plans;
}

/**
 * Compares who joined (from the join acks) with what `GET /userlist` reports on
 * every node. Returns the number of members missing from a list and the number of
 * unexpected entries, summed over rooms and nodes.
 */
export async function checkMembership(
  urls: string[],
  expected: Record<string, string[]>,
  concurrency = 32,
): Promise<{ rooms: number; missing: number; extra: number; httpErrors: number }> {
  const jobs: Array<[string, string, string[]]> = [];
  for (const url of urls) for (const [room, ids] of Object.entries(expected)) jobs.push([url, room, ids]);
  let missing = 0;
  let extra = 0;
  let httpErrors = 0;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const [url, room, ids] = jobs[next++]!;
      const res = await fetch(`${url}/userlist?room=${encodeURIComponent(room)}`).catch(() => null);
      if (!res || res.status !== 200) {
        httpErrors++;
        continue;
      }
      const list = (await res.json()) as Array<{ id: string }>;
      const listed = new Set(list.map((p) => p.id));
      for (const id of ids) if (!listed.has(id)) missing++;
      const want = new Set(ids);
      for (const id of listed) if (!want.has(id)) extra++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { rooms: Object.keys(expected).length, missing, extra, httpErrors };
}

/** The core given to the server and its Redis in one-core variants; generators get the others. */
export const SERVER_CORE = 0;

/**
 * Pins a one-core variant: every node and the Redis server to {@link SERVER_CORE}, the
 * generator processes and this bench process (which samples and collects while a rung
 * runs) to the remaining cores. Returns the undo (everything but the nodes back on every
 * core; the nodes are stopped anyway).
 */
export function pinOneCore(cluster: Cluster, redis: Managed | null, generatorPids: number[], cores: number): () => void {
  const all = `0-${cores - 1}`;
  const rest = cores > 1 ? `1-${cores - 1}` : all;
  const server = String(SERVER_CORE);
  for (const n of cluster.nodes) pinToCpus(n.pid, server);
  if (redis && cluster.redis) pinToCpus(redis.pid, server);
  for (const pid of [...generatorPids, process.pid]) pinToCpus(pid, rest);
  return () => {
    if (redis && cluster.redis) pinToCpus(redis.pid, all);
    for (const pid of [...generatorPids, process.pid]) pinToCpus(pid, all);
  };
}

/** Redis `used_memory` in bytes, from INFO memory. */
export async function redisUsedMemory(redis: Managed): Promise<number> {
  const info = await redisCommand(redis.port, 'INFO memory');
  const m = /used_memory:(\d+)/.exec(info);
  return m ? Number(m[1]) : NaN;
}
