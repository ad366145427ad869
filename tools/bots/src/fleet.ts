/**
 * Several bots, each in its own node process (see `worker.ts` for why): what a benchmark
 * uses for a room of bots. Each process plays the clip and runs one {@link Bot}; the fleet
 * starts them one after the other, so they join the room in order, like people.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { FromWorker, PeerReport, ToWorker } from './fleet-messages.js';

/** Options of {@link BotFleet.join}. */
export interface FleetOptions {
  server: string;
  room: string;
  /** How many bots (= processes). */
  count: number;
  /** The clip file every bot sends (see `ensureClip`). */
  clip: string;
  /** Bot nicknames are `${nickPrefix}${1..count}`. @default 'Bot' */
  nickPrefix?: string;
  password?: string;
  /**
   * Scheduling niceness of the bot processes (-20 … 19; below 0 needs root). The load
   * generator must not be starved by what it loads: on a saturated machine (two cores, two
   * Chromiums) a bot process woken by a STUN check or response waited hundreds of ms for a
   * CPU (round trips of 0.2–0.85 s measured), werift's consent checks (one try, 0.5–2 s
   * timeout) all timed out, and after 30 s it declared every connection failed and stopped
   * sending. Bots need well under a core in all; running them first costs the browsers
   * only that. Where it cannot be set (not root), bots run at normal priority and
   * `onError` says so. @default -10
   */
  niceness?: number;
  /** Reports errors that do not stop a bot. */
  onError?: (error: string) => void;
  /** Reports every ICE / connection state change of every bot's connections (diagnostics). */
  onStateChange?: (bot: string, peer: string, what: 'ice' | 'connection', state: string) => void;
}

/** One bot's view, as {@link BotFleet.stats} returns it. */
export interface BotReport {
  id: string;
  /** CPU seconds of its process and clip player since it started. */
  cpuS: number;
  peers: PeerReport[];
  /** Its event loop's lateness since the previous `stats()`, ms. */
  loopDelayMs: { p50: number; p99: number; max: number };
  /** Its main thread's total time on a CPU and runnable-but-waiting, ms (Linux schedstat). */
  runMs: number;
  waitMs: number;
}

interface Member {
  child: ChildProcess;
  id: string;
  /** Resolvers waiting for a reply of a given type, in order. */
  waiting: { type: FromWorker['type']; resolve: (m: FromWorker) => void }[];
}

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const REPLY_TIMEOUT_MS = 30_000;

/** See the module comment. Create with {@link BotFleet.join}; `leave()` when done. */
export class BotFleet {
  private constructor(private readonly members: Member[]) {}

  /** Starts `count` bot processes, each joining the room once the previous one joined. */
  static async join(opts: FleetOptions): Promise<BotFleet> {
    const fleet = new BotFleet([]);
    try {
      for (let i = 0; i < opts.count; i++) {
        const m = fleet.spawn(opts);
        fleet.members.push(m);
        const nick = `${opts.nickPrefix ?? 'Bot'}${i + 1}`;
        const r = await fleet.ask(m, { type: 'join', server: opts.server, room: opts.room, nick, password: opts.password, clip: opts.clip }, ['joined', 'failed']);
        if (r.type === 'failed') throw new Error(`bot ${nick}: ${r.message}`);
        if (r.type === 'joined') m.id = r.id;
      }
    } catch (e) {
      await fleet.leave();
      throw e;
    }
    return fleet;
  }

  /** The bots' participant ids, in join order. */
  get ids(): string[] {
    return this.members.map((m) => m.id);
  }

  /** Every bot's CPU and connections now. */
  async stats(): Promise<BotReport[]> {
    return Promise.all(
      this.members.map(async (m) => {
        const r = await this.ask(m, { type: 'stats' }, ['stats']);
        if (r.type === 'stats') return { id: m.id, cpuS: r.cpuS, peers: r.peers, loopDelayMs: r.loopDelayMs, runMs: r.runMs, waitMs: r.waitMs };
        return { id: m.id, cpuS: 0, peers: [], loopDelayMs: { p50: NaN, p99: NaN, max: NaN }, runMs: NaN, waitMs: NaN };
      }),
    );
  }

  /** Every bot leaves the room; their processes end. */
  async leave(): Promise<void> {
    await Promise.all(
      this.members.splice(0).map(async (m) => {
        if (m.child.connected) await this.ask(m, { type: 'leave' }, ['left']).catch(() => undefined);
        m.child.kill('SIGKILL');
      }),
    );
  }

  private spawn(opts: FleetOptions): Member {
    const child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const m: Member = { child, id: '', waiting: [] };
    try {
      if (child.pid) setPriority(child.pid, opts.niceness ?? -10);
    } catch (e) {
      opts.onError?.(`bot process runs at normal priority: ${(e as Error).message}`);
    }
    child.on('message', (msg: FromWorker) => {
      if (msg.type === 'log') return opts.onError?.(msg.message);
      if (msg.type === 'state') return opts.onStateChange?.(m.id, msg.peer, msg.what, msg.state);
      const i = m.waiting.findIndex((w) => w.type === msg.type);
      if (i >= 0) m.waiting.splice(i, 1)[0]!.resolve(msg);
    });
    child.on('exit', (code) => {
      for (const w of m.waiting.splice(0)) w.resolve({ type: 'failed', message: `bot process exited with ${code}` });
    });
    return m;
  }

  private ask(m: Member, msg: ToWorker, replies: FromWorker['type'][]): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        m.waiting = m.waiting.filter((w) => !entries.includes(w));
        reject(new Error(`bot process: no ${replies.join('/')} in ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      const done = (r: FromWorker) => {
        clearTimeout(t);
        m.waiting = m.waiting.filter((w) => !entries.includes(w));
        resolve(r);
      };
      const entries = replies.map((type) => ({ type, resolve: done }));
      m.waiting.push(...entries);
      m.child.send(msg);
    });
  }
}
