import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IncomingMessage } from 'node:http';
import { ErrorCode, Limits, schemas, type IceServer } from '@meshmeet/protocol';
import { AppError } from '../errors.js';
import type { RoomStore } from '../rooms/room-store.js';
import type { PasswordGuard } from '../security/password-guard.js';
import { replyError } from './reply-error.js';

/** What the room routes need. */
export interface RoomRoutesOptions {
  store: RoomStore;
  maxRoomSize: number;
  /** The configured ICE servers; only entries without credentials are published. */
  iceServers: IceServer[];
  passwords: PasswordGuard;
  addressOf: (req: IncomingMessage) => string;
  /** How long a read may wait on the store before the request is answered 503 (`ANSWER_WITHIN_MS`). */
  answerWithinMs: number;
}

/**
 * `read`, or a 503 `UNAVAILABLE` once it has taken `ms`: a Redis that stopped answering
 * leaves its connection open, and the request would otherwise wait for as long as it does.
 * These routes only read, so an answer that comes later changes nothing.
 */
async function answerWithin<T>(read: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError(ErrorCode.UNAVAILABLE, `The server's storage did not answer within ${ms} ms; try again shortly`)), ms);
  });
  try {
    return await Promise.race([read, late]);
  } finally {
    clearTimeout(timer);
  }
}

const UserListQuery = z.object({ room: schemas.RoomName });
const RoomParams = z.object({ room: schemas.RoomName });
/** The header a protected room's member list needs; length-checked here, compared by scrypt. */
const PasswordHeaders = z.looseObject({ 'x-room-password': z.string().max(Limits.passwordMax).optional() });
/** A protected room's member list needs its password, sent in this header (never in the URL, which gets logged). */
const PASSWORD_HEADER = 'x-room-password' as const;

/**
 * Room HTTP API: `GET /userlist?room=R` (the seed's member list), `GET /api/rooms/:room`
 * (what the lobby needs before joining) and `GET /api/ice-servers` (public STUN entries only).
 */
export async function roomRoutes(fastify: FastifyInstance, o: RoomRoutesOptions): Promise<void> {
  // Inputs are declared as zod schemas and checked by fastify-type-provider-zod before a
  // handler runs; a bad one is answered 400 INVALID_PAYLOAD by the app's error handler.
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const read = <T>(pending: Promise<T>) => answerWithin(pending, o.answerWithinMs);

  app.get('/userlist', { schema: { querystring: UserListQuery, headers: PasswordHeaders } }, async (req, reply) => {
    const { room } = req.query;
    const info = await read(o.store.info(room));
    if (info?.password) {
      const given = req.headers[PASSWORD_HEADER];
      if (!given) return replyError(reply, 403, ErrorCode.BAD_PASSWORD, `This room needs its password in the ${PASSWORD_HEADER} header`);
      try {
        await o.passwords.verify(o.addressOf(req.raw), room, given, info.password);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        if (err.code === ErrorCode.RATE_LIMITED) return replyError(reply, 429, err.code, err.message);
        if (err.code === ErrorCode.UNAVAILABLE) return replyError(reply, 503, err.code, err.message);
        return replyError(reply, 403, ErrorCode.BAD_PASSWORD, `Wrong password in the ${PASSWORD_HEADER} header`);
      }
    }
    const members = info ? await read(o.store.list(room)) : [];
    return members.map(({ id, nick }) => ({ id, nick }));
  });

  app.get('/api/rooms/:room', { schema: { params: RoomParams } }, async (req) => {
    const { room } = req.params;
    const info = await read(o.store.info(room));
    const size = info?.size ?? 0;
    return {
      room,
      exists: info !== null,
      size,
      capacity: o.maxRoomSize,
      full: size >= o.maxRoomSize,
      hasPassword: Boolean(info?.password),
    };
  });

  // TURN credentials are handed out only in the `room:join` ack, to members: a public
  // endpoint with credentials would make the TURN server a free relay for anyone. What
  // remains here is what is public anyway (STUN and other entries without credentials).
  const publicIceServers = o.iceServers.filter((s) => s.username === undefined && s.credential === undefined);
  app.get('/api/ice-servers', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    return { iceServers: publicIceServers };
  });
}
