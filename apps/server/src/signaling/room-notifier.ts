import type { RoomNotifier } from '../rooms/room-notifier.js';
import type { MeshServer } from './types.js';

/** The {@link RoomNotifier} of a socket.io server: room channels are socket.io rooms. */
export function socketRoomNotifier(io: MeshServer): RoomNotifier {
  return {
    peerJoined: (channel, peer, exceptId) => void io.to(channel).except(exceptId).emit('peer:joined', peer),
    peerJoinedTo: (connectionId, peer) => {
      const local = io.sockets.sockets.get(connectionId);
      if (local) local.emit('peer:joined', peer);
      else io.to(connectionId).emit('peer:joined', peer);
    },
    peerLeft: (channel, payload) => void io.to(channel).emit('peer:left', payload),
    peerUpdated: (channel, payload, exceptId) => void io.to(channel).except(exceptId).emit('peer:updated', payload),
    chatMessage: (channel, message) => void io.to(channel).emit('chat:message', message),
    closeConnection: (connectionId) => io.in(connectionId).disconnectSockets(true),
    localConnections: () => io.sockets.sockets.values(),
  };
}
