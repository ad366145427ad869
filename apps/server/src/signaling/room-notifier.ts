import type { RoomNotice, RoomNotifier } from '../rooms/room-notifier.js';
import type { MeshServer } from './types.js';

/** The {@link RoomNotifier} of a socket.io server: room channels are socket.io rooms. */
export function socketRoomNotifier(io: MeshServer): RoomNotifier {
  return {
    peerJoinedTo: (connectionId, peer) => {
      const local = io.sockets.sockets.get(connectionId);
      if (local) local.emit('peer:joined', peer);
      else io.to(connectionId).emit('peer:joined', peer);
    },
    closeConnection: (connectionId) => io.in(connectionId).disconnectSockets(true),
    localConnections: () => io.sockets.sockets.values(),
  };
}

/**
 * Tells a room notice to the room's clients on this node only: every node does so
 * for its own clients when the change reaches it (see relay-setup.ts).
 */
export function tellRoomHere(io: MeshServer, notice: RoomNotice): void {
  const here = io.local.to(notice.channel);
  if (notice.event === 'peer:joined') here.except(notice.except).emit('peer:joined', notice.payload);
  else if (notice.event === 'peer:updated') here.except(notice.except).emit('peer:updated', notice.payload);
  else if (notice.event === 'peer:left') here.emit('peer:left', notice.payload);
  else here.emit('chat:message', notice.payload);
}
