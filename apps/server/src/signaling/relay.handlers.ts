import { schemas } from '@meshmeet/protocol';
import type { RoomService } from '../rooms/room-service.js';
import { safeHandler, type HandlerContext } from './safe-handler.js';
import type { MeshSocket } from './types.js';

/** Messages between members: `signal` (to one peer) and `chat:send` (to the room). */
export function registerRelayHandlers(socket: MeshSocket, rooms: RoomService, ctx: HandlerContext): void {
  socket.on(
    'signal',
    safeHandler(socket, ctx, {
      event: 'signal',
      schema: schemas.SignalSend,
      limit: 'signal',
      run: (s, msg) => rooms.relay(s, msg),
    }),
  );

  socket.on(
    'chat:send',
    safeHandler(socket, ctx, {
      event: 'chat:send',
      schema: schemas.ChatSend,
      limit: 'chat',
      run: (s, msg) => rooms.chat(s, msg.text),
    }),
  );
}
