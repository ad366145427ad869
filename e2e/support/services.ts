/**
 * The servers a journey needs, each on a free loopback port inside the test's network
 * namespace: the built meshmeet server (serving apps/web/dist), coturn in REST-API secret
 * mode, and redis. Each `start*` returns a handle whose `stop()` must be called in the
 * test's cleanup (`t.after` / `after`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, waitFor, waitForHttp, FatalWaitError, type Managed } from './processes.js';

/** Repository root (e2e/support/ → ../..). */
export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/**
 * The built web app to serve: `MESHMEET_WEB_DIST` (scripts/test-all.sh builds into a
 * directory of its own) or apps/web/dist.
 */
export const WEB_DIST = process.env.MESHMEET_WEB_DIST ?? join(ROOT, 'apps/web/dist');

/** A running meshmeet server. */
export interface ServerHandle {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  proc: Managed;
  stop(): Promise<void>;
}

/** Options for {@link startServer}. */
export interface ServerOptions {
  /** REDIS_URL; unset → in-memory store. */
  redisUrl?: string;
  /** TURN relay to hand out short-lived credentials for. */
  turn?: TurnHandle;
  /** Extra environment (e.g. MAX_ROOM_SIZE). */
  env?: Record<string, string>;
}

/** Starts `tsx apps/server/src/server.ts` with the built web app and waits for /healthz. */
export async function startServer(opts: ServerOptions = {}): Promise<ServerHandle> {
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    WEB_DIST_DIR: WEB_DIST,
    // No public STUN: the namespace has no route out, and host candidates on loopback suffice.
    ICE_SERVERS: '[]',
    LOG_LEVEL: process.env.E2E_VERBOSE ? 'info' : 'warn',
    NODE_ENV: 'test',
    ...opts.env,
  };
  if (opts.redisUrl) env.REDIS_URL = opts.redisUrl;
  if (opts.turn) {
    env.TURN_URLS = opts.turn.urls.join(',');
    env.TURN_SECRET = opts.turn.secret;
    env.TURN_TTL_S = '600';
  }
  const tsx = join(ROOT, 'node_modules/.bin/tsx');
  const proc = startProcess(tsx, [join(ROOT, 'apps/server/src/server.ts')], {
    env,
    cwd: ROOT,
    name: 'server',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/healthz`, proc, 30_000);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { url, proc, stop: () => proc.stop() };
}

/** A running coturn. */
export interface TurnHandle {
  /** TURN URLs to configure (udp and tcp on the same port). */
  urls: string[];
  /** The REST-API shared secret the server signs credentials with. */
  secret: string;
  port: number;
  proc: Managed;
  stop(): Promise<void>;
}

/** Waits until something accepts TCP connections on 127.0.0.1:port. */
async function waitForTcp(port: number, proc: Managed, what: string): Promise<void> {
  await waitFor(
    `${what} on port ${port}`,
    () => {
      if (proc.child.exitCode !== null) {
        throw new FatalWaitError(`${what} exited with ${proc.child.exitCode}:\n${proc.output().slice(-3000)}`);
      }
      return new Promise<boolean>((res) => {
        const sock = createConnection({ host: '127.0.0.1', port }, () => {
          sock.destroy();
          res(true);
        });
        sock.on('error', () => res(false));
      });
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  );
}

/**
 * Starts coturn on loopback in REST-API (shared secret) mode — the flags known to work
 * here (see /work/shared/TESTING.md); `--allow-loopback-peers` is what lets it relay to
 * 127.0.0.1 at all.
 */
export async function startCoturn(): Promise<TurnHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'meshmeet-turn-'));
  const secret = `e2e-${Math.random().toString(36).slice(2)}`;
  // A relay port range of its own per run, so parallel runs outside a namespace don't clash.
  const minPort = 49152 + Math.floor(Math.random() * 150) * 100;
  const proc = startProcess(
    'turnserver',
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      `--min-port=${minPort}`,
      `--max-port=${minPort + 99}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=meshmeet.test',
      '--no-tls',
      '--no-dtls',
      '--allow-loopback-peers',
      '--no-cli',
      '--fingerprint',
      '--log-file=stdout',
      '--simple-log',
      `--pidfile=${join(dir, 'turn.pid')}`,
    ],
    { name: 'coturn' },
  );
  try {
    await waitForTcp(port, proc, 'coturn');
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
    secret,
    port,
    proc,
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A running redis-server. */
export interface RedisHandle {
  url: string;
  proc: Managed;
  stop(): Promise<void>;
}

/** Starts a throwaway redis-server (no persistence) on a free loopback port. */
export async function startRedis(): Promise<RedisHandle> {
  const port = await freePort();
  const proc = startProcess(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { name: 'redis' },
  );
  try {
    await waitForTcp(port, proc, 'redis');
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { url: `redis://127.0.0.1:${port}`, proc, stop: () => proc.stop() };
}
