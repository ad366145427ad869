/**
 * The servers of a lab journey — meshmeet nodes, coturn, redis, nginx — started inside
 * the lab's servers namespace and listening on {@link SERVERS_ADDRESS}. Readiness is
 * probed from inside that namespace (the test runner is not on the lab's network).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, type Managed } from '../processes.js';
import { FatalWaitError, waitFor } from '../wait.js';
import { ROOT, WEB_DIST } from '../services.js';
import { SERVERS_ADDRESS, type Lab } from './lab.js';
import { httpGetIn, labEnv, nodeIn } from './shell.js';

/**
 * The bearer token the lab's nodes serve `/metrics` with (the server serves metrics on its
 * public port only with a token): journeys read socket counts per node from there.
 */
export const LAB_METRICS_TOKEN = `lab-metrics-${randomBytes(8).toString('hex')}`;

/** A process in the servers namespace that can be killed and started again on its port. */
export interface LabService {
  /** e.g. http://10.77.0.2:8080 */
  url: string;
  port: number;
  proc: Managed;
  /** SIGKILL, as a crash or a pulled plug would: no graceful shutdown message. */
  kill(): Promise<void>;
  /** Starts it again with the same settings and waits until it is ready. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Waits until `check` passes, failing at once if the process exits. */
async function waitReady(what: string, proc: Managed, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  await waitFor(
    what,
    async () => {
      if (proc.child.exitCode !== null) {
        throw new FatalWaitError(`${what}: exited with ${proc.child.exitCode}:\n${proc.output().slice(-3000)}`);
      }
      return check();
    },
    { timeoutMs, intervalMs: 300 },
  ).catch(async (err: Error) => {
    await proc.stop();
    if (err instanceof FatalWaitError) throw err;
    throw new Error(`${err.message}\n--- output ---\n${proc.output().slice(-3000)}`);
  });
}

/** Whether something accepts TCP connections on `port` of the servers address, seen from `ns`. */
export async function tcpOpenIn(ns: string, port: number): Promise<boolean> {
  const code = `
    import { createConnection } from 'node:net';
    const s = createConnection({ host: process.argv[1], port: Number(process.argv[2]) }, () => process.exit(0));
    s.on('error', () => process.exit(1));
    setTimeout(() => process.exit(1), 2000);`;
  return (await nodeIn(ns, code, [SERVERS_ADDRESS, String(port)])).code === 0;
}

/** Builds a restartable service from a start function and a readiness check. */
async function service(
  name: string,
  port: number,
  url: string,
  start: () => Managed,
  ready: () => Promise<boolean>,
  cleanup?: () => void,
): Promise<LabService> {
  let proc = start();
  await waitReady(`${name} on ${url}`, proc, ready);
  const svc: LabService = {
    url,
    port,
    get proc() {
      return proc;
    },
    async kill() {
      // Not stop(0): that sends SIGTERM first, and the node's graceful shutdown would
      // close every socket and start each member's grace window before the SIGKILL lands.
      await proc.kill();
    },
    async restart() {
      await proc.stop();
      proc = start();
      await waitReady(`${name} on ${url} (restarted)`, proc, ready);
    },
    async stop() {
      await proc.stop();
      cleanup?.();
    },
  };
  return svc;
}

/** Options for {@link startLabServer}. */
export interface LabServerOptions {
  port?: number;
  redisUrl?: string;
  turn?: LabTurn;
  env?: Record<string, string>;
}

/** Starts a meshmeet node (`tsx apps/server/src/server.ts`) in the servers namespace. */
export async function startLabServer(lab: Lab, opts: LabServerOptions = {}): Promise<LabService> {
  const port = opts.port ?? 8080;
  const url = `http://${SERVERS_ADDRESS}:${port}`;
  const env: Record<string, string> = {
    ...(labEnv() as Record<string, string>),
    PORT: String(port),
    HOST: SERVERS_ADDRESS,
    WEB_DIST_DIR: WEB_DIST,
    ICE_SERVERS: '[]',
    LOG_LEVEL: process.env.E2E_VERBOSE ? 'info' : 'warn',
    NODE_ENV: 'test',
    METRICS_TOKEN: LAB_METRICS_TOKEN,
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
    ...(opts.turn ? { TURN_URLS: opts.turn.urls.join(','), TURN_SECRET: opts.turn.secret, TURN_TTL_S: '600' } : {}),
    ...opts.env,
  };
  const tsx = join(ROOT, 'node_modules/.bin/tsx');
  return service(
    `server :${port}`,
    port,
    url,
    () => startProcess(tsx, [join(ROOT, 'apps/server/src/server.ts')], { env, cwd: ROOT, name: `server:${port}`, netns: lab.serversNs }),
    async () => (await httpGetIn(lab.serversNs, `${url}/healthz`)).status === 200,
  );
}

/** coturn in the lab, with its REST-API secret. */
export interface LabTurn extends LabService {
  urls: string[];
  secret: string;
}

/**
 * coturn on the servers address in REST-API (shared secret) mode: relays between
 * participants that cannot reach each other.
 */
export async function startLabCoturn(lab: Lab, port = 3478): Promise<LabTurn> {
  const dir = mkdtempSync(join(tmpdir(), 'meshmeet-labturn-'));
  const secret = `lab-${Math.random().toString(36).slice(2)}`;
  const args = [
    '-n',
    `--listening-ip=${SERVERS_ADDRESS}`,
    `--relay-ip=${SERVERS_ADDRESS}`,
    `--listening-port=${port}`,
    '--min-port=49160',
    '--max-port=49400',
    '--use-auth-secret',
    `--static-auth-secret=${secret}`,
    '--realm=meshmeet.test',
    '--no-tls',
    '--no-dtls',
    '--no-cli',
    '--fingerprint',
    '--log-file=stdout',
    '--simple-log',
    `--pidfile=${join(dir, 'turn.pid')}`,
  ];
  const svc = await service(
    'coturn',
    port,
    `turn:${SERVERS_ADDRESS}:${port}`,
    () => startProcess('turnserver', args, { name: 'coturn', netns: lab.serversNs, env: labEnv() }),
    () => tcpOpenIn(lab.serversNs, port),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  return Object.assign(svc, {
    urls: [`turn:${SERVERS_ADDRESS}:${port}?transport=udp`, `turn:${SERVERS_ADDRESS}:${port}?transport=tcp`],
    secret,
  });
}

/** redis-server (no persistence) on the servers address; protected mode off, as only the lab's namespaces can reach it. */
export async function startLabRedis(lab: Lab, port = 6379): Promise<LabService & { redisUrl: string }> {
  const svc = await service(
    'redis',
    port,
    `redis://${SERVERS_ADDRESS}:${port}`,
    () =>
      startProcess('redis-server', ['--port', String(port), '--bind', SERVERS_ADDRESS, '--protected-mode', 'no', '--save', '', '--appendonly', 'no'], {
        name: 'redis',
        netns: lab.serversNs,
        env: labEnv(),
      }),
    () => tcpOpenIn(lab.serversNs, port),
  );
  return Object.assign(svc, { redisUrl: svc.url });
}

/**
 * nginx in front of meshmeet nodes, from the repository's own deploy/nginx/meshmeet.conf
 * with the listen address and upstream servers rewritten for the lab. Port 80 by default:
 * the config forwards `Host $host`, which drops a non-default port, and the server's Origin
 * check compares the page's origin with that Host.
 */
export async function startLabNginx(lab: Lab, upstreamPorts: number[], port = 80): Promise<LabService> {
  const dir = mkdtempSync(join(tmpdir(), 'meshmeet-labnginx-'));
  const site = readFileSync(join(ROOT, 'deploy/nginx/meshmeet.conf'), 'utf8')
    .replace(/^\s*server 127\.0\.0\.1:\d+;\n/gm, '')
    .replace(/(upstream meshmeet_nodes \{[^}]*?)(\s*keepalive)/, (_m, head: string, tail: string) =>
      `${head}\n${upstreamPorts.map((p) => `    server ${SERVERS_ADDRESS}:${p} max_fails=1 fail_timeout=5s;`).join('\n')}${tail}`,
    )
    .replace(/listen 8080;/, `listen ${SERVERS_ADDRESS}:${port};`);
  const conf = `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_processes 1;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${site}
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const url = port === 80 ? `http://${SERVERS_ADDRESS}` : `http://${SERVERS_ADDRESS}:${port}`;
  return service(
    'nginx',
    port,
    url,
    () => startProcess('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { name: 'nginx', netns: lab.serversNs, env: labEnv() }),
    async () => (await httpGetIn(lab.serversNs, `${url}/healthz`)).status === 200,
    () => rmSync(dir, { recursive: true, force: true }),
  );
}
