/**
 * The servers a journey or a browser benchmark needs, each on a free loopback port inside
 * the test's network namespace: the meshmeet server (serving the built web app), coturn in
 * REST-API secret mode, and redis (from `redis.ts`). Each `start*` returns a handle whose
 * `stop()` must be called in the caller's cleanup (`t.after` / `after`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { startProcess, waitForHttp, waitForTcp, type Managed } from './processes.js';

export { startRedis, type RedisHandle } from './redis.js';

/** Repository root (tools/testkit/src/ → ../../..). */
export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

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

/** Starts `node --import tsx apps/server/src/server.ts` with the built web app and waits for /healthz. */
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
  const proc = startProcess(process.execPath, ['--import', 'tsx', join(ROOT, 'apps/server/src/server.ts')], {
    env,
    cwd: ROOT,
    name: 'server',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/healthz`, proc, 90_000);
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
