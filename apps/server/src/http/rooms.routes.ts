import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ErrorCode, schemas, type IceServer } from '@meshmeet/protocol';
import { newPeerId } from '../rooms/ids.js';
import { verifyPassword } from '../rooms/password.js';
import type { RoomStore } from '../rooms/room-store.js';
import { issueText, replyError } from './reply-error.js';

/** What the room routes need. */
export interface RoomRoutesOptions {
  store: RoomStore;
  maxRoomSize: number;
  iceServersFor: (id: string) => IceServer[];
  turnTtlS: number;
}

const UserListQuery = z.object({ room: schemas.RoomName });
const RoomParams = z.object({ room: schemas.RoomName });
/** A protected room's member list needs its password, sent in this header (never in the URL, which gets logged). */
const PASSWORD_HEADER = 'x-room-password';

/**
 * Room HTTP API: `GET /userlist?room=R` (the seed's member list), `GET /api/rooms/:room`
 * (what the lobby needs before joining) and `GET /api/ice-servers`.
 */
export async function roomRoutes(app: FastifyInstance, o: RoomRoutesOptions): Promise<void> {
  app.get('/userlist', async (req, reply) => {
    const query = UserListQuery.safeParse(req.query);
    if (!query.success) return replyError(reply, 400, ErrorCode.INVALID_PAYLOAD, issueText(query.error.issues));
    const info = await o.store.info(query.data.room);
    if (info?.password) {
      const given = req.headers[PASSWORD_HEADER];
      if (typeof given !== 'string' || !(await verifyPassword(given, info.password))) {
        return replyError(reply, 403, ErrorCode.BAD_PASSWORD, `This room needs its password in the ${PASSWORD_HEADER} header`);
      }
    }
    const members = info ? await o.store.list(query.data.room) : [];
    return members.map(({ id, nick }) => ({ id, nick }));
  });

  app.get('/api/rooms/:room', async (req, reply) => {
    const params = RoomParams.safeParse(req.params);
    if (!params.success) return replyError(reply, 400, ErrorCode.INVALID_PAYLOAD, issueText(params.error.issues));
    const info = await o.store.info(params.data.room);
    const size = info?.size ?? 0;
    return {
      room: params.data.room,
      exists: info !== null,
      size,
      capacity: o.maxRoomSize,
      full: size >= o.maxRoomSize,
      hasPassword: Boolean(info?.password),
    };
  });

  app.get('/api/ice-servers', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    return { iceServers: o.iceServersFor(`anon-${newPeerId()}`), ttlS: o.turnTtlS };
  });
}
