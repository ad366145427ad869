/**
 * Child processes for tests and benchmarks (servers, coturn, redis): started in their own
 * process group, their output kept for failure messages, and always stopped — by the
 * caller's cleanup, and as a last resort when the parent process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { FatalWaitError, waitFor } from './wait.js';

/** A started child process and how to stop it. */
export interface Managed {
  /** The process (stdout/stderr are captured into `output()`). */
  child: ChildProcess;
  /** Everything the process printed so far (the last ~100–200 KB), for failure messages. */
  output(): string;
  /** Stops it (SIGTERM, then SIGKILL after `graceMs`); resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
  /**
   * SIGKILL at once, as a crash or a pulled plug would: the process gets no signal it can
   * handle, so it cannot say goodbye to anyone. Resolves when it has exited.
   */
  kill(): Promise<void>;
}

/** Options of {@link startProcess}. */
export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Label for echoed output (`E2E_VERBOSE=1` echoes every line to stderr). */
  name?: string;
  /** Also write the output here (e.g. a benchmark's log file). */
  log?: NodeJS.WritableStream;
  /** Run inside this named network namespace (`ip netns exec`, e.g. the e2e network lab). */
  netns?: string;
}

const running = new Set<ChildProcess>();
// Last-resort cleanup: a test that crashes must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Spawns `cmd args` in its own process group and records its output; the caller waits for readiness. */
export function startProcess(cmd: string, args: string[], opts: StartOptions = {}): Managed {
  // `ip netns exec` execs the command in place, so the pid and process group below are
  // still the command's own.
  const [file, argv] = opts.netns ? ['ip', ['netns', 'exec', opts.netns, cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group: a launcher (npx, tsx) spawns children we must stop too
  });
  running.add(child);
  let log = '';
  const append = (chunk: Buffer) => {
    log += chunk.toString();
    if (log.length > 200_000) log = log.slice(-100_000);
    opts.log?.write(chunk);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    // A command that could not be spawned (not installed) never exits: it never ran.
    child.once('error', () => {
      if (child.pid === undefined) resolve();
    });
  });
  void exited.then(() => running.delete(child));
  if (process.env.E2E_VERBOSE) {
    const echo = (c: Buffer) => process.stderr.write(`[${opts.name ?? cmd}] ${c}`);
    child.stdout?.on('data', echo);
    child.stderr?.on('data', echo);
  }
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  return {
    child,
    output: () => log,
    async stop(graceMs = 5000) {
      if (child.exitCode === null && child.signalCode === null) {
        killGroup('SIGTERM');
        const timer = setTimeout(() => killGroup('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      killGroup('SIGKILL'); // grandchildren that ignored SIGTERM
    },
    async kill() {
      killGroup('SIGKILL');
      await exited;
    },
  };
}

/** Fails a wait at once when the process it waits for has exited. */
function assertRunning(proc: Managed, what: string): void {
  const { exitCode, signalCode } = proc.child;
  if (exitCode !== null || signalCode !== null) {
    throw new FatalWaitError(`${what} exited (${exitCode ?? signalCode}):\n${proc.output().slice(-4000)}`);
  }
}

/** Waits until `url` answers 200, or the process dies, or the (scaled) timeout passes. */
export async function waitForHttp(url: string, proc: Managed, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    `${url} to answer 200`,
    async () => {
      assertRunning(proc, 'process');
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => null);
      return res?.status === 200;
    },
    { timeoutMs, intervalMs: 150 },
  ).catch((err: Error) => {
    if (err instanceof FatalWaitError) throw err; // already carries the output
    throw new Error(`${err.message}\n--- output ---\n${proc.output().slice(-4000)}`);
  });
}

/** Waits until something accepts TCP connections on 127.0.0.1:`port`, or the process dies. */
export async function waitForTcp(port: number, proc: Managed, what: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    `${what} on port ${port}`,
    () => {
      assertRunning(proc, what);
      return new Promise<boolean>((resolve) => {
        const sock = createConnection({ host: '127.0.0.1', port }, () => {
          sock.destroy();
          resolve(true);
        });
        sock.on('error', () => resolve(false));
      });
    },
    { timeoutMs, intervalMs: 100 },
  );
}
