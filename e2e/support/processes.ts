/**
 * Child processes for the e2e journeys (server, coturn, redis): started on free loopback
 * ports, awaited with a bounded readiness check, and always stopped — by the test's own
 * cleanup, and as a last resort when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A started child process and how to stop it. */
export interface Managed {
  /** The process (stdout/stderr are captured into `output()`). */
  child: ChildProcess;
  /** Everything the process printed so far (capped), for failure messages. */
  output(): string;
  /** Stops it (SIGTERM, then SIGKILL after `graceMs`); resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
// Last-resort cleanup: a test that crashes must not leave servers behind in the namespace
// (the namespace dies with the script, but a direct `node --test` run outside it would not).
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Spawns `cmd args` (inside network namespace `netns` when given) and records its output; the caller waits for readiness. */
export function startProcess(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; name?: string; netns?: string } = {},
): Managed {
  // In a lab namespace (e2e/lab): `ip netns exec` execs the command in place, so the pid
  // and process group below are still the command's own.
  const [file, argv] = opts.netns ? ['ip', ['netns', 'exec', opts.netns, cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group: `npx tsx` spawns children we must stop too
  });
  running.add(child);
  let log = '';
  const append = (chunk: Buffer) => {
    log += chunk.toString();
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child);
      resolve();
    });
  });
  if (process.env.E2E_VERBOSE) {
    child.stdout?.on('data', (c: Buffer) => process.stderr.write(`[${opts.name ?? cmd}] ${c}`));
    child.stderr?.on('data', (c: Buffer) => process.stderr.write(`[${opts.name ?? cmd}] ${c}`));
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
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      killGroup('SIGKILL'); // grandchildren that ignored SIGTERM
    },
  };
}

/** Thrown from a `waitFor` check to stop waiting at once (e.g. the process died). */
export class FatalWaitError extends Error {}

/**
 * Polls `check` every `intervalMs` until it returns a truthy value or `timeoutMs` passes;
 * every wait in the e2e suite goes through here so none can hang.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = 20_000, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      if (err instanceof FatalWaitError) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until `url` answers 200, or the process dies, or the timeout passes. */
export async function waitForHttp(url: string, proc: Managed, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    `${url} to answer 200`,
    async () => {
      if (proc.child.exitCode !== null) {
        throw new FatalWaitError(`process exited with ${proc.child.exitCode}:\n${proc.output().slice(-4000)}`);
      }
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => null);
      return res?.status === 200;
    },
    { timeoutMs, intervalMs: 150 },
  ).catch((err: Error) => {
    if (err instanceof FatalWaitError) throw err; // already carries the output
    throw new Error(`${err.message}\n--- output ---\n${proc.output().slice(-4000)}`);
  });
}
