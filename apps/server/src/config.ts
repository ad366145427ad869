import { fileURLToPath } from 'node:url';
import proxyAddr from '@fastify/proxy-addr';
import { z } from 'zod';
import { Limits, schemas, type IceServer } from '@meshmeet/protocol';

/**
 * Server configuration, read once from the environment at boot (see `.env.example`).
 * Every variable is validated; a wrong value stops the server with a message naming it.
 */
export interface Config {
  port: number;
  host: string;
  /** Unset → rooms live in this process's memory (single node). */
  redisUrl: string | null;
  /** Every Redis key and pub/sub channel starts with this. */
  redisPrefix: string;
  /** `sharded` (Redis 7 SPUBLISH, per-socket channels) or `classic` (one PUBLISH channel seen by all nodes). */
  adapter: 'sharded' | 'classic';
  maxRoomSize: number;
  iceServers: IceServer[];
  turnUrls: string[];
  turnSecret: string | null;
  turnTtlS: number;
  resumeGraceMs: number;
  nodeDeadAfterMs: number;
  webDistDir: string;
  https: 'off' | 'self-signed' | 'files';
  tlsCert: string | null;
  tlsKey: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Token bucket for `signal`: sustained events per second and burst size, per socket. */
  signalRatePerS: number;
  signalBurst: number;
  /** Bytes budget for `signal` frames per socket: sustained bytes per second and burst. */
  signalBytesPerS: number;
  signalBytesBurst: number;
  /** Relays one node lets wait on the store or Redis at once; more are refused `UNAVAILABLE`. */
  relayMaxInFlight: number;
  /** Relays are refused `UNAVAILABLE` while the event loop's turn has run longer than this, ms. */
  relayMaxLoopDelayMs: number;
  /** socket.io `maxHttpBufferSize`: larger frames close the connection. */
  maxMessageBytes: number;
  /** Origins allowed to connect cross-origin (dev setups); empty: same origin only. */
  corsOrigins: string[];
  /**
   * Proxies whose `X-Forwarded-For` is believed (addresses, CIDRs or `loopback`,
   * `linklocal`, `uniquelocal`); empty: the TCP peer is the client.
   */
  trustedProxies: string[];
  /** Wrong room passwords per client address, and per room, in each `passwordFailureWindowS`. */
  passwordFailuresPerAddress: number;
  passwordFailuresPerRoom: number;
  passwordFailureWindowS: number;
  /** Password checks one address may have running or waiting at once. */
  passwordPendingPerAddress: number;
  /** scrypt computations at once on this node, and how many may wait before failing fast. */
  scryptConcurrency: number;
  scryptQueue: number;
  /** Socket.IO connections open at once from one client address. */
  maxConnectionsPerAddress: number;
  /** New Socket.IO connections (handshakes) per client address per minute. */
  handshakesPerAddressPerMin: number;
  /** A socket that is in no room for this long is closed. */
  joinDeadlineMs: number;
  /** Rooms one client address may create per hour. */
  roomsPerAddressPerHour: number;
  /** Bearer token that opens `GET /metrics` on the app's port; null: closed there. */
  metricsToken: string | null;
  /** Port of a separate metrics listener (no token) on `metricsHost`; null: none. */
  metricsPort: number | null;
  metricsHost: string;
}

/** Thrown by {@link loadConfig}; `variable` names the offending environment variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Invalid ${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** `apps/web/dist`, found from this file so it works whatever the working directory. */
export const DEFAULT_WEB_DIST_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** The seed's public STUN server, used when ICE_SERVERS is unset. */
export const DEFAULT_ICE_SERVERS: IceServer[] = [{ urls: 'stun:stun.l.google.com:19302' }];

const iceServersJson = z.string().transform((text, ctx) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON array of RTCIceServer objects' });
    return z.NEVER;
  }
  const result = z.array(schemas.IceServer).safeParse(parsed);
  if (!result.success) {
    ctx.addIssue({ code: 'custom', message: `must be a JSON array of {urls, username?, credential?}: ${result.error.issues[0]?.message}` });
    return z.NEVER;
  }
  return result.data;
});

/** One entry per variable: the schema and the default (as the string a user would write). */
const fields = {
  PORT: [int(0, 65535), '7070'],
  HOST: [z.string().min(1), '0.0.0.0'],
  REDIS_URL: [z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(), undefined],
  REDIS_PREFIX: [z.string().min(1).max(64).regex(/^[A-Za-z0-9:_.-]+$/, 'letters, digits and : _ . - only'), 'meshmeet:'],
  SOCKETIO_ADAPTER: [z.enum(['sharded', 'classic']), 'sharded'],
  MAX_ROOM_SIZE: [int(2, 10_000), '8'],
  ICE_SERVERS: [iceServersJson.optional(), undefined],
  TURN_URLS: [z.string().optional(), undefined],
  TURN_SECRET: [z.string().min(8, 'must be at least 8 characters').optional(), undefined],
  TURN_TTL_S: [int(60, 24 * 3600), '3600'],
  RESUME_GRACE_MS: [int(0, 300_000), '10000'],
  NODE_DEAD_AFTER_MS: [int(300, 30_000), '15000'],
  WEB_DIST_DIR: [z.string().min(1).optional(), undefined],
  HTTPS: [z.enum(['off', 'self-signed', 'files']), 'off'],
  TLS_CERT: [z.string().optional(), undefined],
  TLS_KEY: [z.string().optional(), undefined],
  LOG_LEVEL: [z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'],
  SIGNAL_RATE_PER_S: [int(1, 100_000), '200'],
  SIGNAL_BURST: [int(1, 100_000), '400'],
  SIGNAL_BYTES_PER_S: [int(1024, 100 * 1024 * 1024), String(64 * 1024)],
  // At least one largest signal (64 KiB of data plus its envelope) must fit in the burst.
  SIGNAL_BYTES_BURST: [int(Limits.signalDataMaxBytes + 1024, 1024 * 1024 * 1024), String(256 * 1024)],
  RELAY_MAX_IN_FLIGHT: [int(1, 1_000_000), '2000'],
  RELAY_MAX_LOOP_DELAY_MS: [int(20, 60_000), '100'],
  MAX_MESSAGE_BYTES: [int(1024, 16 * 1024 * 1024), String(128 * 1024)],
  CORS_ORIGINS: [z.string().optional(), undefined],
  TRUSTED_PROXIES: [z.string().optional(), undefined],
  PASSWORD_FAILURES_PER_ADDRESS: [int(1, 100_000), '10'],
  PASSWORD_FAILURES_PER_ROOM: [int(1, 1_000_000), '50'],
  PASSWORD_FAILURE_WINDOW_S: [int(1, 86_400), '300'],
  PASSWORD_PENDING_PER_ADDRESS: [int(1, 1000), '1'],
  SCRYPT_CONCURRENCY: [int(1, 64), '2'],
  SCRYPT_QUEUE: [int(0, 10_000), '16'],
  MAX_CONNECTIONS_PER_ADDRESS: [int(1, 1_000_000), '50'],
  HANDSHAKES_PER_ADDRESS_PER_MIN: [int(1, 1_000_000), '120'],
  JOIN_DEADLINE_MS: [int(1000, 3_600_000), '60000'],
  ROOMS_PER_ADDRESS_PER_HOUR: [int(1, 1_000_000), '100'],
  METRICS_TOKEN: [z.string().min(16, 'must be at least 16 characters').optional(), undefined],
  METRICS_PORT: [int(0, 65535).optional(), undefined],
  METRICS_HOST: [z.string().min(1), '127.0.0.1'],
} as const;

type FieldName = keyof typeof fields;

function read<K extends FieldName>(env: NodeJS.ProcessEnv, name: K): z.output<(typeof fields)[K][0]> {
  const [schema, fallback] = fields[name];
  const raw = nonEmpty(env[name]) ?? fallback;
  const result = (schema as z.ZodType).safeParse(raw);
  if (!result.success) {
    throw new ConfigError(name, result.error.issues.map((i) => i.message).join('; '));
  }
  return result.data as z.output<(typeof fields)[K][0]>;
}

/**
 * Reads and validates the configuration. Throws {@link ConfigError} naming the first bad
 * variable; the entry point prints it and exits, so a typo never starts a half-configured node.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const turnUrls = (read(env, 'TURN_URLS') ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  for (const url of turnUrls) {
    if (!/^turns?:[^\s]+$/.test(url)) throw new ConfigError('TURN_URLS', `"${url}" is not a turn: or turns: URL`);
  }
  const turnSecret = read(env, 'TURN_SECRET') ?? null;
  if (turnSecret && turnUrls.length === 0) throw new ConfigError('TURN_URLS', 'must list at least one URL when TURN_SECRET is set');
  if (turnUrls.length > 0 && !turnSecret) throw new ConfigError('TURN_SECRET', 'is required when TURN_URLS is set');

  const https = read(env, 'HTTPS');
  const tlsCert = read(env, 'TLS_CERT') ?? null;
  const tlsKey = read(env, 'TLS_KEY') ?? null;
  if (https === 'files') {
    if (!tlsCert) throw new ConfigError('TLS_CERT', 'is required when HTTPS=files');
    if (!tlsKey) throw new ConfigError('TLS_KEY', 'is required when HTTPS=files');
  }

  const corsOrigins = (read(env, 'CORS_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^\s/]+$/.test(origin)) throw new ConfigError('CORS_ORIGINS', `"${origin}" is not an origin like http://localhost:5173`);
  }

  const trustedProxies = (read(env, 'TRUSTED_PROXIES') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  try {
    proxyAddr.compile(trustedProxies);
  } catch (err) {
    throw new ConfigError('TRUSTED_PROXIES', (err as Error).message);
  }

  return {
    corsOrigins,
    trustedProxies,
    passwordFailuresPerAddress: read(env, 'PASSWORD_FAILURES_PER_ADDRESS'),
    passwordFailuresPerRoom: read(env, 'PASSWORD_FAILURES_PER_ROOM'),
    passwordFailureWindowS: read(env, 'PASSWORD_FAILURE_WINDOW_S'),
    passwordPendingPerAddress: read(env, 'PASSWORD_PENDING_PER_ADDRESS'),
    scryptConcurrency: read(env, 'SCRYPT_CONCURRENCY'),
    scryptQueue: read(env, 'SCRYPT_QUEUE'),
    maxConnectionsPerAddress: read(env, 'MAX_CONNECTIONS_PER_ADDRESS'),
    handshakesPerAddressPerMin: read(env, 'HANDSHAKES_PER_ADDRESS_PER_MIN'),
    joinDeadlineMs: read(env, 'JOIN_DEADLINE_MS'),
    roomsPerAddressPerHour: read(env, 'ROOMS_PER_ADDRESS_PER_HOUR'),
    metricsToken: read(env, 'METRICS_TOKEN') ?? null,
    metricsPort: read(env, 'METRICS_PORT') ?? null,
    metricsHost: read(env, 'METRICS_HOST'),
    port: read(env, 'PORT'),
    host: read(env, 'HOST'),
    redisUrl: read(env, 'REDIS_URL') ?? null,
    redisPrefix: read(env, 'REDIS_PREFIX'),
    adapter: read(env, 'SOCKETIO_ADAPTER'),
    maxRoomSize: read(env, 'MAX_ROOM_SIZE'),
    iceServers: read(env, 'ICE_SERVERS') ?? DEFAULT_ICE_SERVERS,
    turnUrls,
    turnSecret,
    turnTtlS: read(env, 'TURN_TTL_S'),
    resumeGraceMs: read(env, 'RESUME_GRACE_MS'),
    nodeDeadAfterMs: read(env, 'NODE_DEAD_AFTER_MS'),
    webDistDir: read(env, 'WEB_DIST_DIR') ?? DEFAULT_WEB_DIST_DIR,
    https,
    tlsCert,
    tlsKey,
    logLevel: read(env, 'LOG_LEVEL'),
    signalRatePerS: read(env, 'SIGNAL_RATE_PER_S'),
    signalBurst: read(env, 'SIGNAL_BURST'),
    signalBytesPerS: read(env, 'SIGNAL_BYTES_PER_S'),
    signalBytesBurst: read(env, 'SIGNAL_BYTES_BURST'),
    relayMaxInFlight: read(env, 'RELAY_MAX_IN_FLIGHT'),
    relayMaxLoopDelayMs: read(env, 'RELAY_MAX_LOOP_DELAY_MS'),
    maxMessageBytes: read(env, 'MAX_MESSAGE_BYTES'),
  };
}
