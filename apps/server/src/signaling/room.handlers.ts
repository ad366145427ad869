import { schemas, type JoinResult } from '@meshmeet/protocol';
import type { RoomService } from '../rooms/room-service.js';
import { armJoinDeadline } from './join-deadline.js';
import { enqueue, safeHandler, type HandlerContext } from './safe-handler.js';
import type { MeshSocket } from './types.js';

/**
 * Membership events: `room:join` (fresh or resume), `room:leave`, `peer:update`, and the
 * socket's own disconnect. Handlers validate, call the service and ack; nothing else.
 */
export function registerRoomHandlers(socket: MeshSocket, rooms: RoomService, ctx: HandlerContext & { joinDeadlineMs: number; answerWithinMs: number }): void {
  const answerWithinMs = ctx.answerWithinMs;
  socket.on(
    'room:join',
    safeHandler(socket, ctx, {
      event: 'room:join',
      schema: schemas.JoinRequest,
      limit: 'control',
      serial: true,
      answerWithinMs,
      // The client was told UNAVAILABLE: a join that lands after that would be a member nobody sees.
      undoLate: (s, result) => rooms.abandon(s, (result as JoinResult).resumed),
      run: (s, req) => ('resumeToken' in req ? rooms.resume(s, req.resumeToken) : rooms.join(s, req)),
    }),
  );

  socket.on(
    'room:leave',
    safeHandler(socket, ctx, {
      event: 'room:leave',
      limit: 'control',
      serial: true,
      // A leave that lands late stands: the client wanted out (its retry hears NOT_IN_ROOM).
      answerWithinMs,
      run: async (s) => {
        await rooms.leave(s);
        armJoinDeadline(s, ctx.joinDeadlineMs);
      },
    }),
  );

  socket.on(
    'peer:update',
    safeHandler(socket, ctx, {
      event: 'peer:update',
      schema: schemas.PeerUpdate,
      limit: 'control',
      serial: true,
      // A late state change stands: the room hears it, and a retry sets the same state.
      answerWithinMs,
      run: (s, patch) => rooms.update(s, patch),
    }),
  );

  socket.on('disconnect', () => {
    // After any join still in flight, so a member inserted a moment ago is released too.
    void enqueue(socket, () => rooms.disconnected(socket));
  });
}
