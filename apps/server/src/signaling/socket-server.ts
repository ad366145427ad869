import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { ErrorCode, Events, PROTOCOL_VERSION, fail, schemas } from '@meshmeet/protocol';
import type { Config } from '../config.js';
import type { RedisClients } from '../redis.js';
import type { RelayService } from '../rooms/relay-service.js';
import type { RoomService } from '../rooms/room-service.js';
import type { HandshakeGuard } from '../security/handshake-guard.js';
import { armJoinDeadline } from './join-deadline.js';
import { sizedParser } from './frame-size.js';
import { TokenBucket } from './rate-limit.js';
import { registerRelayHandlers } from './relay.handlers.js';
import { registerRoomHandlers } from './room.handlers.js';
import { splitAck, type HandlerContext } from './safe-handler.js';
import type { MeshServer, MeshSocket } from './types.js';

/** Client → server event names; anything else is answered `UNKNOWN_EVENT`. */
const KNOWN_EVENTS = new Set<unknown>([Events.join, Events.leave, Events.update, Events.signal, Events.chatSend]);

/** Error attached to a refused handshake; socket.io clients read it as `err.data`. */
function handshakeError(code: ErrorCode, message: string): Error & { data: { code: ErrorCode; message: string } } {
  return Object.assign(new Error(message), { data: { code, message } });
}

/**
 * Creates the socket.io server on the app's HTTP server. With Redis, nodes share rooms
 * through the sharded Redis adapter in `dynamic-private` mode (or the classic one when
 * configured): see ARCHITECTURE.md for why.
 */
export function createSocketServer(httpServer: HttpServer, config: Config, redis: RedisClients | null, guard: HandshakeGuard): MeshServer {
  const io: MeshServer = new Server(httpServer, {
    // Origin and per-address checks run before any session exists, for polling and WebSocket alike.
    allowRequest: (req, callback) => {
      const refusal = guard.check(req);
      callback(refusal, refusal === null);
    },
    // A frame larger than this closes the connection before it is parsed.
    maxHttpBufferSize: config.maxMessageBytes,
    // By default dead connections are noticed within ~30 s, so their members enter the
    // resume grace window, but a pong gets 20 s to arrive: a starved laptop (or a browser
    // hosting many busy tabs) can answer that late, and closing its socket would cost it a
    // reconnect and perhaps its id in the middle of a call.
    pingInterval: config.pingIntervalMs,
    pingTimeout: config.pingTimeoutMs,
    serveClient: false,
    // Notes each `signal` frame's size while decoding, so the relay path never re-serializes.
    parser: sizedParser,
    cors: config.corsOrigins.length > 0 ? { origin: config.corsOrigins } : undefined,
  });
  io.engine.on('connection', (raw: { request: IncomingMessage; once(event: 'close', fn: () => void): void }) => {
    raw.once('close', guard.opened(guard.addressOf(raw.request)));
  });
  if (redis) {
    const channelPrefix = `${config.redisPrefix}sio`;
    if (config.socketioAdapter === 'sharded') {
      io.adapter(createShardedAdapter(redis.main, redis.sub, { channelPrefix, subscriptionMode: 'dynamic-private' }));
      keepChannelsForSocketsOnly(io);
    } else {
      io.adapter(createAdapter(redis.main, redis.sub, { key: channelPrefix }));
    }
  }
  return io;
}

/**
 * Room notices reach every node on the channel all nodes subscribe to, and each node tells
 * its own clients (relay-setup.ts); nothing is broadcast to a meshmeet room across nodes.
 * So a room's socket.io room is only this node's list of its sockets, and needs no Redis
 * channel. In `dynamic-private` mode the sharded adapter would still subscribe to one for
 * every room on every node with a member in it: an SSUBSCRIBE and its answer whenever a
 * room gets its first member on a node, and an SUNSUBSCRIBE when it empties. This keeps
 * the channels of the sockets' own rooms only (`sids` holds the ids of this node's
 * sockets), which carry cross-node relays. The adapter asks this method when a room is
 * created, deleted and when it closes (`@socket.io/redis-adapter` 8.3).
 */
function keepChannelsForSocketsOnly(io: MeshServer): void {
  const adapter = io.of('/').adapter as unknown as { sids: Map<string, unknown>; shouldUseASeparateNamespace(room: string): boolean };
  adapter.shouldUseASeparateNamespace = (room) => adapter.sids.has(room);
}

/** Options of {@link attachSignaling}. */
export interface SignalingOptions extends HandlerContext {
  config: Config;
  rooms: RoomService;
  relays: RelayService;
  /** True while the node is shutting down: new connections are refused. */
  isClosing: () => boolean;
  /** The client address of a handshake request (trusted proxies honoured). */
  addressOf: (req: IncomingMessage) => string;
}

/** Checks the handshake and wires every event of each new socket. */
export function attachSignaling(io: MeshServer, o: SignalingOptions): void {
  io.use((socket, next) => {
    if (o.isClosing()) return next(handshakeError(ErrorCode.UNAVAILABLE, 'The server is shutting down; try another'));
    const auth = schemas.HandshakeAuth.safeParse(socket.handshake.auth);
    if (!auth.success || auth.data.v !== PROTOCOL_VERSION) {
      const got = auth.success ? `version ${auth.data.v}` : 'no version';
      return next(
        handshakeError(
          ErrorCode.UNSUPPORTED_VERSION,
          `This server speaks protocol version ${PROTOCOL_VERSION} (sent as auth: {v: ${PROTOCOL_VERSION}}); the client sent ${got}. Reload the page to update.`,
        ),
      );
    }
    next();
  });

  io.on('connection', (socket: MeshSocket) => {
    socket.data.binding = null;
    socket.data.address = o.addressOf(socket.request);
    armJoinDeadline(socket, o.config.joinDeadlineMs);
    socket.data.queue = Promise.resolve();
    socket.data.limits = {
      signal: new TokenBucket(o.config.signalRatePerS, o.config.signalBurst),
      // Bytes of `signal` frames: without it, 200 events/s of 64 KiB would make a free data relay.
      signalBytes: new TokenBucket(o.config.signalBytesPerS, o.config.signalBytesBurst),
      control: new TokenBucket(10, 30),
      chat: new TokenBucket(5, 20),
      unknown: new TokenBucket(10, 30),
    };
    registerRoomHandlers(socket, o.rooms, { ...o, joinDeadlineMs: o.config.joinDeadlineMs, answerWithinMs: o.config.answerWithinMs });
    registerRelayHandlers(socket, o.rooms, o.relays, o);
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (KNOWN_EVENTS.has(event)) return;
      const { ack } = splitAck(args);
      const answer = socket.data.limits.unknown!.take()
        ? fail(ErrorCode.UNKNOWN_EVENT, `Unknown event "${String(event).slice(0, 64)}"`)
        : fail(ErrorCode.RATE_LIMITED, 'Too many unknown events; slow down');
      o.metrics.errors.inc({ code: answer.error.code });
      try {
        ack?.(answer);
      } catch (err) {
        o.log.warn({ err }, 'ack callback threw');
      }
    });
    // Also the listener for a client event literally named "error": without one, Node's
    // EventEmitter would throw it. The argument is whatever the client sent.
    socket.on('error', (err: unknown) => {
      const detail = err instanceof Error ? err.message : typeof err;
      o.log.debug({ detail, socket: socket.id }, 'socket error');
    });
  });
}
