import { afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { io as ioClient, type Socket } from 'socket.io-client';
import { scaled, waitFor as waitUntil } from '@meshmeet/testkit';
import { PROTOCOL_VERSION, type Ack, type ClientToServerEvents, type JoinResult, type ServerToClientEvents } from '@meshmeet/protocol';
import { buildApp, type MeshApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';

/** A typed test client. */
export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Repository root (the child servers run from there, as in production). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVER_ENTRY = fileURLToPath(new URL('../src/server.ts', import.meta.url));

/** A key prefix no other test file uses. */
export function uniquePrefix(): string {
  return `t${randomBytes(4).toString('hex')}:`;
}

/**
 * Limits per client address raised far above what the tests open (every test client comes
 * from 127.0.0.1), and no deadline for sockets that never join (the fuzz test's sockets
 * only misbehave). Tests of those limits set them low again explicitly.
 */
export const LOOPBACK_CROWD_ENV = {
  JOIN_DEADLINE_MS: '3600000',
  METRICS_TOKEN: 'test-metrics-token-0123456789',
  MAX_CONNECTIONS_PER_ADDRESS: '100000',
  HANDSHAKES_PER_ADDRESS_PER_MIN: '100000',
  ROOMS_PER_ADDRESS_PER_HOUR: '100000',
  PASSWORD_FAILURES_PER_ADDRESS: '1000',
  PASSWORD_PENDING_PER_ADDRESS: '100',
};

/** Headers that open `/metrics` on a test node (its METRICS_TOKEN). */
export const METRICS_AUTH = { authorization: `Bearer ${LOOPBACK_CROWD_ENV.METRICS_TOKEN}` };

/** Configuration for an in-process test node: loopback, ephemeral port, no STUN, quiet. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ PORT: '0', HOST: '127.0.0.1', ICE_SERVERS: '[]', LOG_LEVEL: 'silent', WEB_DIST_DIR: '/nonexistent', ...LOOPBACK_CROWD_ENV }),
    ...overrides,
  };
}

/** An in-process node listening on an ephemeral port. */
export interface TestNode extends MeshApp {
  url: string;
  close(): Promise<void>;
}

/** Builds and starts a node in this process. */
export async function startNode(overrides: Partial<Config> = {}): Promise<TestNode> {
  const mesh = await buildApp(testConfig(overrides), { logger: false });
  const url = await mesh.app.listen({ port: 0, host: '127.0.0.1' });
  return { ...mesh, url, close: () => mesh.app.close() };
}

/** Connects a socket.io client (WebSocket only, no automatic reconnection). */
export function connect(url: string, auth: unknown = { v: PROTOCOL_VERSION }): Promise<Client> {
  const socket: Client = ioClient(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: auth as object });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Emits an event with an ack and resolves with the ack (rejects after 15 s: CI machines can be slow). */
export function request<T = unknown>(socket: Client, event: string, ...args: unknown[]): Promise<Ack<T>> {
  const timed = socket.timeout(15_000) as unknown as { emit(ev: string, ...a: unknown[]): void };
  return new Promise((resolve, reject) => {
    timed.emit(event, ...args, (err: Error | null, ack: Ack<T>) => (err ? reject(err) : resolve(ack)));
  });
}

/** Like {@link request} but throws unless the ack is ok; returns its data. */
export async function requestOk<T = unknown>(socket: Client, event: string, ...args: unknown[]): Promise<T> {
  const ack = await request<T>(socket, event, ...args);
  if (!ack.ok) throw new Error(`${event} failed: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

/** Records every event of one name a socket receives. */
export function record<E extends keyof ServerToClientEvents>(socket: Client, event: E): Parameters<ServerToClientEvents[E]>[0][] {
  const seen: Parameters<ServerToClientEvents[E]>[0][] = [];
  socket.on(event, ((payload: Parameters<ServerToClientEvents[E]>[0]) => seen.push(payload)) as never);
  return seen;
}

/**
 * Polls `check` every 20 ms until it returns true; throws naming `what` after `timeoutMs`
 * (an idle-machine bound, stretched by testkit's measured slowness factor).
 */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  await waitUntil(what, check, { timeoutMs, intervalMs: 20 });
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A server started as its own process (`tsx apps/server/src/server.ts`), as in production. */
export interface ChildNode {
  url: string;
  proc: ChildProcess;
  output: () => string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | null>;
}

/** Starts the real entry point in a child process with `env` and waits for its `listening` line. */
export function spawnNode(env: Record<string, string>): Promise<ChildNode> {
  const proc = spawn(process.execPath, ['--import', 'tsx', SERVER_ENTRY], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ICE_SERVERS: '[]', LOG_LEVEL: 'info', WEB_DIST_DIR: '/nonexistent', ...LOOPBACK_CROWD_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), scaled(30_000));
    const onData = () => {
      const m = /meshmeet listening on (https?:\/\/[^\s"]+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.stdout!.off('data', onData);
      resolve({
        url: m[1]!,
        proc,
        output: () => out,
        stop: async () => {
          if (proc.exitCode === null) proc.kill('SIGTERM');
          return exited;
        },
      });
    };
    proc.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${out}`));
    });
  });
}

/**
 * Clients a test file opens through `client`/`joined`, closed after each test (call once at
 * the top of the file: it registers the `afterEach`).
 */
export function clientsClosedAfterEach(): {
  client(node: TestNode): Promise<Client>;
  joined(node: TestNode, room: string, nick: string, extra?: object): Promise<{ c: Client; r: JoinResult }>;
  /** Closes a client opened some other way after the test, too. */
  track(c: Client): void;
} {
  const open: Client[] = [];
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  const client = async (node: TestNode): Promise<Client> => {
    const c = await connect(node.url);
    open.push(c);
    return c;
  };
  const joined = async (node: TestNode, room: string, nick: string, extra: object = {}) => {
    const c = await client(node);
    return { c, r: await requestOk<JoinResult>(c, 'room:join', { room, nick, ...extra }) };
  };
  return { client, joined, track: (c) => void open.push(c) };
}
