import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { ErrorCode } from '@meshmeet/protocol';
import type { Config } from './config.js';
import { AppError } from './errors.js';
import type { Server } from 'node:http';
import { healthRoutes } from './http/health.routes.js';
import { createMetricsListener } from './http/metrics-listener.js';
import { replyError } from './http/reply-error.js';
import { roomRoutes } from './http/rooms.routes.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { registerStatic } from './http/static.js';
import { createIceServerProvider } from './ice/ice-servers.js';
import { loggerOptions } from './logger.js';
import { Metrics } from './metrics.js';
import { connectRedis, type RedisClients } from './redis.js';
import { EvictionPolicyCheck } from './redis-policy.js';
import { newNodeId } from './rooms/ids.js';
import { MemoryRoomStore } from './rooms/memory-store.js';
import { RedisRoomStore } from './rooms/redis-store.js';
import { RoomService } from './rooms/room-service.js';
import type { RoomStore } from './rooms/room-store.js';
import { createRelayPath } from './signaling/relay-setup.js';
import { socketRoomNotifier } from './signaling/room-notifier.js';
import { attachSignaling, createSocketServer } from './signaling/socket-server.js';
import type { MeshServer } from './signaling/types.js';
import { clientAddressResolver } from './security/client-address.js';
import { HandshakeGuard } from './security/handshake-guard.js';
import { MemoryFailureBudget, RedisFailureBudget } from './security/failure-budget.js';
import { PasswordGuard } from './security/password-guard.js';
import { loadTls } from './tls.js';

/** Everything {@link buildApp} made, for the entry point and for tests. */
export interface MeshApp {
  app: FastifyInstance;
  io: MeshServer;
  rooms: RoomService;
  store: RoomStore;
  nodeId: string;
  /** Whether the web app is served from `WEB_DIST_DIR`. */
  servesWeb: boolean;
  /** The separate metrics listener (`METRICS_PORT`), listening once the app listens. */
  metricsListener: Server | null;
}

/** Options for tests: a logger override. */
export interface BuildOptions {
  logger?: FastifyServerOptions['logger'];
}

const QUIET_PATHS = /^\/(healthz|readyz|metrics)(\?|$)/;

/** Clients are asked to wait about this long before reconnecting after `server:shutdown`. */
const RECONNECT_AFTER_MS = 1000;

/** Waits for `p` but no longer than `ms`: shutdown must finish even when Redis is unreachable. */
async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/**
 * Builds the whole node — HTTP routes, socket.io, the room store and its housekeeping —
 * without listening. `app.close()` runs the graceful shutdown: refuse new work, tell the
 * clients, release their memberships into the resume grace window, then close Redis.
 */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<MeshApp> {
  const tls = await loadTls(config);
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config),
    ...(tls ? { https: tls } : {}),
    // req.ip follows X-Forwarded-For only through these proxies (the same rule as sockets).
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    // Health probes and scrapes would drown the log.
    logController: new LogController({ disableRequestLogging: (req) => QUIET_PATHS.test(req.url) }),
  }) as unknown as FastifyInstance;

  const nodeId = newNodeId();
  const redis: RedisClients | null = config.redisUrl ? await connectRedis(config.redisUrl, app.log) : null;
  const store: RoomStore = redis
    ? new RedisRoomStore(redis.main, { prefix: config.redisPrefix, nodeId, nodeDeadAfterMs: config.nodeDeadAfterMs })
    : new MemoryRoomStore(nodeId);
  const metrics = new Metrics();
  const iceServersFor = createIceServerProvider(config);
  const addressOf = clientAddressResolver(config.trustedProxies);
  const guard = new HandshakeGuard({
    corsOrigins: config.corsOrigins,
    addressOf,
    maxConnectionsPerAddress: config.maxConnectionsPerAddress,
    handshakesPerAddressPerMin: config.handshakesPerAddressPerMin,
  });
  const failureLimits = {
    perAddress: config.passwordFailuresPerAddress,
    perRoom: config.passwordFailuresPerRoom,
    windowMs: config.passwordFailureWindowS * 1000,
  };
  const passwords = new PasswordGuard({
    scryptConcurrency: config.scryptConcurrency,
    scryptQueue: config.scryptQueue,
    pendingPerAddress: config.passwordPendingPerAddress,
    // Shared by every node when there is Redis: spreading guesses over nodes gains nothing.
    failures: redis ? new RedisFailureBudget(redis.main, config.redisPrefix, failureLimits) : new MemoryFailureBudget(failureLimits),
  });
  const io = createSocketServer(app.server, config, redis, guard);
  const relayPath = createRelayPath({ io, config, redis, store, metrics, log: app.log });
  // Ready only once the adapter's subscriptions are in place (or give up waiting, as for Redis itself).
  if (relayPath.subscriber) await settleWithin(relayPath.subscriber.firstUp, 5000);
  const rooms = new RoomService({
    passwords,
    roomsPerAddressPerHour: config.roomsPerAddressPerHour,
    store,
    notify: socketRoomNotifier(io),
    metrics,
    log: app.log,
    maxRoomSize: config.maxRoomSize,
    resumeGraceMs: config.resumeGraceMs,
    iceServersFor,
    onMemberChange: relayPath.onMemberChange,
    announcement: relayPath.announcement,
    onActivity: relayPath.onActivity,
    gap: relayPath.joinGap,
  });
  let closing = false;
  attachSignaling(io, { config, rooms, relays: relayPath.relays, metrics, log: app.log, isClosing: () => closing, addressOf });
  metrics.bind({ sockets: () => io.engine.clientsCount, totals: () => store.stats() });

  // Route inputs are zod schemas (fastify-type-provider-zod), the same library as the wire schemas.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issue = err.validation[0];
      const where = issue?.instancePath.replace(/^\//, '').replaceAll('/', '.') || err.validationContext || 'input';
      return replyError(reply, 400, ErrorCode.INVALID_PAYLOAD, `${where}: ${issue?.message ?? 'invalid input'}`);
    }
    const status = err.statusCode ?? 500;
    if (status < 500) return replyError(reply, status, ErrorCode.INVALID_PAYLOAD, err.message);
    // A store that did not answer in time: an answer, not a fault (and not one log line per request while it lasts).
    if (err instanceof AppError && err.code === ErrorCode.UNAVAILABLE) return replyError(reply, 503, err.code, err.message);
    req.log.error({ err }, 'request failed');
    // Internals stay in the log; a store outage is worth telling apart from a bug.
    if (redis && !redis.isReady()) return replyError(reply, 503, ErrorCode.UNAVAILABLE, 'Storage is unavailable; try again shortly');
    return replyError(reply, 500, ErrorCode.INTERNAL, 'Internal server error');
  });
  await registerSecurityHeaders(app, { https: config.https !== 'off' });
  const policy = redis ? new EvictionPolicyCheck(redis.main) : null;
  // A first answer now, so no readiness probe ever has to wait on Redis for it.
  if (policy) await settleWithin(policy.read(), 2000);
  let policyWarned = false;
  const warnPolicyUnknown = () => {
    if (policyWarned) return;
    policyWarned = true;
    app.log.warn("Redis refuses both INFO and CONFIG GET, so its maxmemory-policy cannot be checked; make sure it is noeviction");
  };
  // When the housekeeping tick started, while one is in flight (it waits on the store).
  let tickStartedAt: number | null = null;
  /** A connected Redis that does not answer (stopped, or a link that drops packets without closing). */
  const storeStalled = () => tickStartedAt !== null && performance.now() - tickStartedAt > config.answerWithinMs;
  await app.register(healthRoutes, {
    metrics,
    nodeId,
    isClosing: () => closing,
    redisState: () => (!redis ? 'n/a' : !redis.isReady() ? 'down' : storeStalled() ? 'stalled' : 'up'),
    subscriberState: () => (relayPath.subscriber ? (relayPath.subscriber.isUp() ? 'up' : 'down') : 'n/a'),
    ...(policy ? { evictionPolicy: () => policy.read(), onPolicyUnknown: warnPolicyUnknown } : {}),
    metricsToken: config.metricsToken,
  });
  const metricsListener = config.metricsPort === null ? null : createMetricsListener(metrics);
  if (metricsListener) {
    app.addHook('onListen', async () => {
      await new Promise<void>((resolve, reject) => {
        metricsListener.once('error', reject);
        metricsListener.listen(config.metricsPort!, config.metricsHost, () => resolve());
      });
      app.log.info({ address: metricsListener.address() }, 'metrics listener ready');
    });
    app.addHook('onClose', async () => {
      if (metricsListener.listening) await new Promise((r) => metricsListener.close(r));
    });
  }
  await app.register(roomRoutes, { store, maxRoomSize: config.maxRoomSize, iceServers: config.iceServers, passwords, addressOf, answerWithinMs: config.answerWithinMs });
  const servesWeb = await registerStatic(app, config.webDistDir);

  // Housekeeping: heartbeat, expired grace windows, dead nodes. The first run happens now,
  // so a node starting after a crash clears the members its predecessor left behind.
  const tickMs = Math.max(100, Math.min(1000, Math.floor(config.nodeDeadAfterMs / 3)));
  let tickFailing = false;
  const tick = async () => {
    // One at a time: against a Redis that stopped answering, ticks would queue up behind it.
    if (tickStartedAt !== null) return;
    tickStartedAt = performance.now();
    try {
      await rooms.tick();
      if (tickFailing) app.log.info('room housekeeping recovered');
      tickFailing = false;
    } catch (err) {
      if (!tickFailing) app.log.warn({ err }, 'room housekeeping failed; retrying');
      tickFailing = true;
    } finally {
      tickStartedAt = null;
    }
  };
  await tick();
  const timer = setInterval(() => void tick(), tickMs);
  timer.unref();

  app.addHook('preClose', async () => {
    closing = true;
    rooms.stopAccepting();
    clearInterval(timer);
    relayPath.close();
    const local = [...io.sockets.sockets.values()];
    io.local.emit('server:shutdown', { reconnectAfterMs: RECONNECT_AFTER_MS });
    // Each disconnect queues the member's release (into its grace window) behind any join
    // in flight; wait for all of them before Redis goes away.
    const released = local.map((socket) => {
      socket.disconnect(true);
      return socket.data.queue;
    });
    await settleWithin(Promise.allSettled(released), 5000);
    // Unsubscribing waits for Redis; if Redis is gone there is nothing to unsubscribe from.
    await settleWithin(Promise.resolve(io.of('/').adapter.close()), 1000);
    io.engine.close();
  });
  app.addHook('onClose', async () => {
    await settleWithin(store.close(), 1000);
    await settleWithin(redis?.close() ?? Promise.resolve(), 1000);
  });

  return { app, io, rooms, store, nodeId, servesWeb, metricsListener };
}
