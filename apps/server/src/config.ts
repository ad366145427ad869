import { fileURLToPath } from 'node:url';
import proxyAddr from '@fastify/proxy-addr';
import { z } from 'zod';
import { Limits, schemas, type IceServer } from '@meshmeet/protocol';

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
/** An optional value that becomes `null` when unset (so a config object has no holes). */
const orNull = <T extends z.ZodType>(schema: T) => schema.optional().transform((v) => v ?? null);
/** A comma-separated list; each entry checked by `item`. */
const list = (item: z.ZodType<string, string>) =>
  z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(item));

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

const trustedProxyList = list(z.string()).superRefine((entries, ctx) => {
  try {
    proxyAddr.compile(entries);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/**
 * Every environment variable of the server, in one place: its schema, its default (as a
 * user would write it) and its conversion. `.env.example` documents each for people;
 * `config.test.ts` checks that it lists exactly these, with these defaults. The
 * {@link Config} object is this schema's output with camelCase names.
 */
export const EnvSchema = z
  .object({
    PORT: int(0, 65535).default(7070),
    HOST: z.string().min(1).default('0.0.0.0'),
    /** Unset → rooms live in this process's memory (single node). */
    REDIS_URL: orNull(z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')),
    /** Every Redis key and pub/sub channel starts with this. */
    REDIS_PREFIX: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9:_.-]+$/, 'letters, digits and : _ . - only')
      .default('meshmeet:'),
    /** `sharded` (Redis 7 SPUBLISH, per-socket channels) or `classic` (one PUBLISH channel seen by all nodes). */
    SOCKETIO_ADAPTER: z.enum(['sharded', 'classic']).default('sharded'),
    MAX_ROOM_SIZE: int(2, 10_000).default(8),
    ICE_SERVERS: iceServersJson.optional().transform((v) => v ?? DEFAULT_ICE_SERVERS),
    TURN_URLS: list(z.string().regex(/^turns?:[^\s]+$/, 'is not a turn: or turns: URL')),
    TURN_SECRET: orNull(z.string().min(8, 'must be at least 8 characters')),
    TURN_TTL_S: int(60, 24 * 3600).default(3600),
    RESUME_GRACE_MS: int(0, 300_000).default(30_000),
    /**
     * Socket.IO heartbeat: the server pings every PING_INTERVAL_MS and closes a connection
     * whose pong is PING_TIMEOUT_MS late, so a dead connection is noticed within their sum.
     */
    PING_INTERVAL_MS: int(1000, 300_000).default(10_000),
    PING_TIMEOUT_MS: int(1000, 300_000).default(20_000),
    NODE_DEAD_AFTER_MS: int(300, 30_000).default(15_000),
    WEB_DIST_DIR: z.string().min(1).default(DEFAULT_WEB_DIST_DIR),
    HTTPS: z.enum(['off', 'self-signed', 'files']).default('off'),
    TLS_CERT: orNull(z.string()),
    TLS_KEY: orNull(z.string()),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Token bucket for `signal`: sustained events per second and burst size, per socket. */
    SIGNAL_RATE_PER_S: int(1, 100_000).default(200),
    SIGNAL_BURST: int(1, 100_000).default(400),
    /** Bytes budget for `signal` frames per socket: sustained bytes per second and burst. */
    SIGNAL_BYTES_PER_S: int(1024, 100 * 1024 * 1024).default(64 * 1024),
    // At least one largest signal (64 KiB of data plus its envelope) must fit in the burst.
    SIGNAL_BYTES_BURST: int(Limits.signalDataMaxBytes + 1024, 1024 * 1024 * 1024).default(256 * 1024),
    /** Relays one node lets wait on the store or Redis at once; more are refused `UNAVAILABLE`. */
    RELAY_MAX_IN_FLIGHT: int(1, 1_000_000).default(2000),
    /** Relays are refused `UNAVAILABLE` while the event loop's turn has run longer than this, ms. */
    RELAY_MAX_LOOP_DELAY_MS: int(20, 60_000).default(100),
    /** socket.io `maxHttpBufferSize`: larger frames close the connection. */
    MAX_MESSAGE_BYTES: int(1024, 16 * 1024 * 1024).default(128 * 1024),
    /** Origins allowed to connect cross-origin (dev setups); empty: same origin only. */
    CORS_ORIGINS: list(z.string().regex(/^https?:\/\/[^\s/]+$/, 'is not an origin like http://localhost:5173')),
    /**
     * Proxies whose `X-Forwarded-For` is believed (addresses, CIDRs or `loopback`,
     * `linklocal`, `uniquelocal`); empty: the TCP peer is the client.
     */
    TRUSTED_PROXIES: trustedProxyList,
    /** Wrong room passwords per client address, and per room, in each window (shared by all nodes with Redis). */
    PASSWORD_FAILURES_PER_ADDRESS: int(1, 100_000).default(10),
    PASSWORD_FAILURES_PER_ROOM: int(1, 1_000_000).default(50),
    PASSWORD_FAILURE_WINDOW_S: int(1, 86_400).default(300),
    /** Password checks one address may have running or waiting at once. */
    PASSWORD_PENDING_PER_ADDRESS: int(1, 1000).default(1),
    /** scrypt computations at once on this node, and how many may wait before failing fast. */
    SCRYPT_CONCURRENCY: int(1, 64).default(2),
    SCRYPT_QUEUE: int(0, 10_000).default(16),
    /** Socket.IO connections open at once from one client address. */
    MAX_CONNECTIONS_PER_ADDRESS: int(1, 1_000_000).default(50),
    /** New Socket.IO connections (handshakes) per client address per minute. */
    HANDSHAKES_PER_ADDRESS_PER_MIN: int(1, 1_000_000).default(120),
    /** A socket that is in no room for this long is closed. */
    JOIN_DEADLINE_MS: int(1000, 3_600_000).default(60_000),
    /**
     * How long a join, leave or state change may wait (on Redis, a password check) before
     * the client is answered `UNAVAILABLE`; what completes later is undone or stands (see
     * `safe-handler.ts`). Below the web client's own 10 s, so it gets an answer to act on.
     */
    ANSWER_WITHIN_MS: int(100, 600_000).default(5000),
    /** Rooms one client address may create per hour. */
    ROOMS_PER_ADDRESS_PER_HOUR: int(1, 1_000_000).default(100),
    /** Bearer token that opens `GET /metrics` on the app's port; null: closed there. */
    METRICS_TOKEN: orNull(z.string().min(16, 'must be at least 16 characters')),
    /** Port of a separate metrics listener (no token) on `METRICS_HOST`; null: none. */
    METRICS_PORT: orNull(int(0, 65535)),
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  })
  .superRefine((c, ctx) => {
    const fail = (variable: string, message: string) => ctx.addIssue({ code: 'custom', path: [variable], message });
    if (c.TURN_SECRET && c.TURN_URLS.length === 0) fail('TURN_URLS', 'must list at least one URL when TURN_SECRET is set');
    if (c.TURN_URLS.length > 0 && !c.TURN_SECRET) fail('TURN_SECRET', 'is required when TURN_URLS is set');
    if (c.HTTPS === 'files' && !c.TLS_CERT) fail('TLS_CERT', 'is required when HTTPS=files');
    if (c.HTTPS === 'files' && !c.TLS_KEY) fail('TLS_KEY', 'is required when HTTPS=files');
  });

/** `SNAKE_CASE` → `camelCase`, as a type. */
type CamelTail<S extends string> = S extends `${infer H}_${infer T}` ? `${Capitalize<Lowercase<H>>}${CamelTail<T>}` : Capitalize<Lowercase<S>>;
type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${Lowercase<H>}${CamelTail<T>}` : Lowercase<S>;

/**
 * Server configuration, read once from the environment at boot: the output of
 * {@link EnvSchema} with each variable's name in camelCase (`REDIS_URL` → `redisUrl`).
 */
export type Config = { [K in keyof z.output<typeof EnvSchema> as Camel<K & string>]: z.output<typeof EnvSchema>[K] };

function camel(name: string): string {
  return name.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Reads and validates the configuration. Throws {@link ConfigError} naming the first bad
 * variable; the entry point prints it and exits, so a typo never starts a half-configured
 * node. Empty values count as unset.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const name of Object.keys(EnvSchema.shape)) {
    const value = env[name]?.trim();
    if (value) input[name] = value;
  }
  const result = EnvSchema.safeParse(input);
  if (!result.success) {
    const first = result.error.issues[0]!;
    const variable = String(first.path[0] ?? 'configuration');
    const messages = result.error.issues.filter((i) => i.path[0] === first.path[0]).map((i) => i.message);
    throw new ConfigError(variable, messages.join('; '));
  }
  return Object.fromEntries(Object.entries(result.data).map(([k, v]) => [camel(k), v])) as Config;
}
