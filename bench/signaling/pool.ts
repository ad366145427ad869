import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { CloseReply, ConnectReply, JoinReply, RelayReply, WorkerCmd, WorkerReply } from './worker-protocol.js';

type Cmd = WorkerCmd extends infer C ? (C extends { seq: number } ? Omit<C, 'seq'> : never) : never;
type ReplyOf<C extends Cmd> = C extends { cmd: 'connect' }
  ? ConnectReply
  : C extends { cmd: 'join' }
    ? JoinReply
    : C extends { cmd: 'relay' }
      ? RelayReply
      : CloseReply;

/**
 * The parent side of the load generators: forks `worker.ts` processes and sends
 * each a command, resolving with their replies. `advanced` serialization lets
 * latency samples travel as Float64Arrays instead of JSON text.
 */
export class WorkerPool {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly procs: ChildProcess[]) {
    for (const p of procs) {
      p.on('message', (msg: WorkerReply) => {
        const waiter = this.pending.get(msg.seq);
        if (!waiter) return;
        this.pending.delete(msg.seq);
        if (msg.ok) waiter.resolve(msg.data);
        else waiter.reject(new Error(`worker: ${msg.error}`));
      });
      p.on('exit', (code, sig) => {
        for (const w of this.pending.values()) w.reject(new Error(`worker exited (code ${code}, signal ${sig})`));
        this.pending.clear();
      });
    }
  }

  /** Forks `count` generator processes (`BENCH_WORKER_NODE_ARGS` adds node flags). */
  static start(count: number): WorkerPool {
    const script = join(import.meta.dirname, 'worker.ts');
    const extra = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const procs = Array.from({ length: count }, () =>
      fork(script, [], { execArgv: [...extra, '--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    return new WorkerPool(procs);
  }

  /** Number of generator processes. */
  get size(): number {
    return this.procs.length;
  }

  /** Process ids, to read their CPU use. */
  get pids(): number[] {
    return this.procs.map((p) => p.pid!);
  }

  /** Sends one command to worker `i`. */
  send<C extends Cmd>(i: number, cmd: C): Promise<ReplyOf<C>> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      this.procs[i]!.send({ ...cmd, seq } as WorkerCmd);
    });
  }

  /** Sends per-worker commands (`cmds[i]` to worker i; `null` skips it) and waits for all. */
  all<C extends Cmd>(cmds: Array<C | null>): Promise<Array<ReplyOf<C> | null>> {
    return Promise.all(cmds.map((c, i) => (c ? this.send(i, c) : Promise.resolve(null))));
  }

  /** Sends the same command to every worker. */
  broadcast<C extends Cmd>(cmd: C): Promise<Array<ReplyOf<C>>> {
    return Promise.all(this.procs.map((_, i) => this.send(i, cmd)));
  }

  /** Ends every worker (they close their sockets on disconnect). */
  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((r) => {
            if (p.exitCode !== null || p.signalCode !== null) return r();
            p.once('exit', () => r());
            p.disconnect();
            setTimeout(() => p.kill('SIGKILL'), 3000).unref();
          }),
      ),
    );
  }
}
