import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FatalWaitError, freePort, redisCommand as kitRedisCommand, startRedis as kitStartRedis, waitFor } from '@meshmeet/testkit';
import { RESULTS_DIR } from '../lib/results.js';

/**
 * Starting and watching the processes under test: signaling server nodes and a
 * private redis-server, all on ephemeral loopback ports. Every process is stopped
 * by its own pid; nothing here touches processes the bench did not start.
 */

/** Repository root (bench/signaling/../..). */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const LOG_DIR = join(RESULTS_DIR, 'logs');

/** A process started by the bench. */
export interface Managed {
  proc: ChildProcess;
  pid: number;
  /** Base URL for servers (`http://127.0.0.1:port`), `redis://…` for Redis. */
  url: string;
  port: number;
  /** Sends SIGTERM, then SIGKILL after `graceMs` (long enough for a starved server to write a --cpu-prof file); resolves when the process exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Every process the bench started and that has not exited yet. */
const live = new Set<ChildProcess>();

/** SIGKILLs every process the bench started that is still running (used on Ctrl-C). */
export function killAllStarted(): void {
  for (const p of live) p.kill('SIGKILL');
}

function manage(proc: ChildProcess, url: string, port: number): Managed {
  live.add(proc);
  const exited = new Promise<void>((r) => {
    if (proc.exitCode !== null || proc.signalCode !== null) r();
    else proc.once('exit', () => r());
  });
  void exited.then(() => live.delete(proc));
  return {
    proc,
    pid: proc.pid!,
    url,
    port,
    async stop(graceMs = 10_000) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
}

function logStream(name: string): NodeJS.WritableStream {
  mkdirSync(LOG_DIR, { recursive: true });
  return createWriteStream(join(LOG_DIR, `${name}.log`));
}

/** Starts a redis-server without persistence on a free port (testkit's) and waits for PING. */
export async function startRedis(): Promise<Managed> {
  const redis = await kitStartRedis({ extraArgs: ['--maxclients', '10000'], log: logStream('redis') });
  return manage(redis.proc.child, redis.url, redis.port);
}

/** Sends one inline Redis command on 127.0.0.1:`port` and returns the raw reply (enough for PING/INFO). */
export function redisCommand(port: number, command: string): Promise<string> {
  return kitRedisCommand('127.0.0.1', port, command);
}

/** Options of one signaling server node. */
export interface ServerOptions {
  /** Label used for the log file name. */
  name: string;
  redisUrl?: string;
  redisPrefix?: string;
  maxRoomSize?: number;
  /** Extra environment (e.g. rate-limit settings), applied last. */
  env?: Record<string, string>;
  /**
   * Checkout to run the server from (its `apps/server/src/server.ts`, started in that
   * directory), e.g. a temporary worktree of an older commit; default: this checkout.
   */
  checkout?: string;
  /**
   * Run this checkout's TypeScript sources through tsx instead of the bundle `npm start`
   * runs: for comparisons with older checkouts, which run from their sources too.
   */
  fromSource?: boolean;
  /**
   * Another server to start instead of meshmeet's: a TypeScript entry in this checkout,
   * bundled like the server `npm start` runs and started with the same flags (e.g. the
   * socket.io floor, floor-server.ts).
   */
  entry?: string;
}

/** The bundle `npm start` runs, and the flags it runs it with. */
const BUNDLE = 'apps/server/dist/server.js';
const BUNDLE_NODE_ARGS = ['--enable-source-maps'];
let bundleReady: Promise<unknown> | null = null;
/** Bundles of other entries ({@link ServerOptions.entry}), built once per run. */
const otherBundles = new Map<string, Promise<string>>();

/** Bundles `entry` (relative to the repo root) into the results folder; resolves to the bundle's path. */
function bundleOf(entry: string): Promise<string> {
  let ready = otherBundles.get(entry);
  if (!ready) {
    const outfile = join(RESULTS_DIR, 'bundles', entry.replace(/\.ts$/, '.mjs'));
    ready = import('../../scripts/build.js').then((b) => b.bundleForNode(resolve(REPO_ROOT, entry), outfile)).then(() => outfile);
    otherBundles.set(entry, ready);
  }
  return ready;
}

/**
 * What to start, and with which node flags. By default the bundle `npm start` runs,
 * built first when its sources changed: the product as shipped. Run through tsx, the
 * same server holds about 7 MB more heap per 2,000 sockets (esbuild's `keepNames`
 * gives every per-socket closure its own property array) and spends more CPU per relay,
 * so figures taken from the sources describe a server nobody runs.
 * `BENCH_SERVER_ENTRY` names another entry (a `.ts` file runs through tsx);
 * `opts.entry` another server, bundled the same way.
 */
async function serverEntry(opts: ServerOptions): Promise<{ entry: string; nodeArgs: string[] }> {
  if (opts.checkout) return { entry: join(opts.checkout, 'apps/server/src/server.ts'), nodeArgs: ['--import', 'tsx'] };
  if (opts.entry) return { entry: await bundleOf(opts.entry), nodeArgs: BUNDLE_NODE_ARGS };
  const entry = process.env.BENCH_SERVER_ENTRY ?? (opts.fromSource ? 'apps/server/src/server.ts' : BUNDLE);
  if (entry.endsWith('.ts')) return { entry, nodeArgs: ['--import', 'tsx'] };
  if (entry === BUNDLE) {
    bundleReady ??= import('../../scripts/build.js').then((b) => b.buildTarget(REPO_ROOT, b.TARGETS.server, true));
    await bundleReady;
  }
  return { entry, nodeArgs: BUNDLE_NODE_ARGS };
}

/**
 * Starts a server node (see {@link serverEntry} for which build), with node directly, not
 * npx, so the pid we hold is the server's own and its RSS/CPU can be read from /proc.
 * Resolves once `GET /healthz` answers 200.
 */
export async function startServer(opts: ServerOptions): Promise<Managed> {
  const port = await freePort();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ICE_SERVERS: '[]',
    MAX_ROOM_SIZE: String(opts.maxRoomSize ?? 8),
    NODE_ENV: 'production',
    // Every bench client comes from 127.0.0.1: lift the limits per client address.
    MAX_CONNECTIONS_PER_ADDRESS: '1000000',
    HANDSHAKES_PER_ADDRESS_PER_MIN: '1000000',
    ROOMS_PER_ADDRESS_PER_HOUR: '1000000',
    JOIN_DEADLINE_MS: '3600000',
    // /metrics is closed unless a token opens it; the ladder scenario reads it.
    METRICS_TOKEN: BENCH_METRICS_TOKEN,
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl, REDIS_PREFIX: opts.redisPrefix ?? 'bench:' } : {}),
    ...opts.env,
  };
  if (!opts.redisUrl) delete env.REDIS_URL;
  const { entry, nodeArgs: entryArgs } = await serverEntry(opts);
  // BENCH_SERVER_NODE_ARGS adds node flags, e.g. "--cpu-prof --cpu-prof-dir=bench/results/prof".
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, ...entryArgs, entry], {
    cwd: opts.checkout ?? REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = logStream(opts.name);
  proc.stdout!.pipe(log);
  proc.stderr!.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  const m = manage(proc, url, port);
  let exitInfo = '';
  proc.once('exit', (code, sig) => (exitInfo = `exited early (code ${code}, signal ${sig}); see bench/results/logs/${opts.name}.log`));
  try {
    await waitFor(
      // Long: run from sources (older checkouts), tsx compiles the server at start, which
      // takes a minute on a loaded shared machine.
      `server ${opts.name} to answer /healthz`,
      async () => {
        if (exitInfo) throw new FatalWaitError(`server ${opts.name} ${exitInfo}`);
        const r = await fetch(`${url}/healthz`).catch(() => null);
        return r?.status === 200;
      },
      { timeoutMs: 90_000, intervalMs: 50 },
    );
  } catch (e) {
    await m.stop(500);
    throw e;
  }
  return m;
}

/** Resident set size of a process in bytes (VmRSS from /proc). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** CPU time (user + system) a process has used so far, in milliseconds. */
export function cpuMs(pid: number): number {
  const { user, system } = cpuSplitMs(pid);
  return user + system;
}
/** CPU ms of `pid` so far in user space and in the kernel (system calls, and on loopback the receiving side's TCP work too). */
export function cpuSplitMs(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the ")" of the command name; utime and stime are fields 14 and 15 (1-based).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: (Number(fields[11]) * 1000) / CLOCK_TICKS, system: (Number(fields[12]) * 1000) / CLOCK_TICKS };
}
/** CPU ms (user + system) of each thread of `pid` so far: `main` (the JavaScript thread), the others summed by thread name. */
export function threadCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(name, (out.get(name) ?? 0) + ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS);
  }
  return out;
}
/**
 * How many times the main (JavaScript) thread of `pid` has gone to sleep so far: its voluntary
 * context switches, nearly all of them waits in `epoll_wait` with nothing to do. Each is a
 * later wake-up, which on a virtual machine costs tens of microseconds of its own.
 */
export function mainThreadSleeps(pid: number): number {
  const m = /voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}
/** USER_HZ: 100 on every Linux build we run on. */
const CLOCK_TICKS = 100;

/** Cumulative CPU jiffies of the whole machine (all cores), from /proc/stat. */
export interface MachineCpu {
  busy: number;
  steal: number;
  total: number;
}

/** Reads the machine-wide CPU counters; diff two readings for utilisation. */
export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((s, x) => s + x, 0);
  const idle = v[3]! + v[4]!;
  return { busy: total - idle, steal: v[7]!, total };
}

/**
 * A fixed piece of JavaScript work like a relay's (parse a JSON frame, build an answer,
 * serialize it), 20,000 times; prints the CPU it took, ms.
 */
const REFERENCE_WORK = `
const frame = JSON.stringify({ to: 'abcdefghijkl', data: { candidate: 'x'.repeat(300), sdpMid: '0' } });
let n = 0;
const t0 = process.cpuUsage();
for (let i = 0; i < 20000; i++) {
  const m = JSON.parse(frame);
  n += JSON.stringify(['signal', { from: 'mnopqrstuvwx', data: m.data }]).length;
}
const d = process.cpuUsage(t0);
console.log(((d.user + d.system) / 1000).toFixed(2), n > 0);
`;

/**
 * How fast `core` runs code right now: the least CPU time, ms, that {@link REFERENCE_WORK}
 * took in `tries` runs pinned to it (lower is faster). CPU time, not wall time, so waiting
 * for the core does not count; what does count is the core itself running slower, as a
 * virtual machine's can while its host is busy. The one-core ladder prints it so two
 * ladders' CPU per relay can be read side by side.
 */
export function coreSpeedMs(core: number, tries = 3): number {
  let best = Infinity;
  for (let i = 0; i < tries; i++) {
    const out = execFileSync('taskset', ['-c', String(core), process.execPath, '-e', REFERENCE_WORK], { encoding: 'utf8' });
    best = Math.min(best, Number(out.split(' ')[0]));
  }
  return best;
}

/** Whether `taskset` (util-linux) is available to pin processes to cores. */
export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Sets the CPU affinity of every thread of `pid` (`cpus` as taskset reads it: `0`, `1-3`). */
export function pinToCpus(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/**
 * How many times the bench's redis-server closed a client for overcoming its
 * `client-output-buffer-limit` so far (Redis 7.0 logs each one; INFO counts them only from 7.2).
 */
export function redisOutputBufferDisconnects(): number {
  try {
    return (readFileSync(join(LOG_DIR, 'redis.log'), 'utf8').match(/overcoming of output buffer limits/g) ?? []).length;
  } catch {
    return 0;
  }
}

/** The METRICS_TOKEN of benchmark servers (their /metrics needs it as a bearer token). */
export const BENCH_METRICS_TOKEN = 'bench-metrics-token-0123456789';
