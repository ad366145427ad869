import type { Redis } from 'ioredis';
import { MessageType } from 'socket.io-adapter';
import type { LocalDelivery, RemoteDelivery } from '../rooms/relay-service.js';
import type { Publication } from '../rooms/room-store.js';
import { PacketType } from './frame-size.js';
import { writeSignal } from './pre-encoded.js';
import type { MeshServer } from './types.js';


/**
 * Messages in the sharded Redis adapter's own format (socket.io-adapter 2.5
 * `ClusterAdapter`, JSON-encoded; all nodes of a deployment run the same version), built
 * here so that meshmeet can publish them itself: on a target socket's channel with
 * SPUBLISH's receipt ({@link shardedDelivery}), or from inside the store's join script
 * (`JoinInput.announce`). The multi-node tests send both through real adapters.
 */
export interface ShardedMessages {
  /** `io.to(socketId).emit(event, payload)` as published on that socket's own channel. */
  toSocket(socketId: string, event: string, payload: unknown): Publication;
  /** `io.serverSideEmit(event, payload)` as published on the channel every node subscribes to. */
  announcement(event: string, payload: unknown): Publication;
}

/** See {@link ShardedMessages}. `channelPrefix` is the adapter's. */
export function shardedMessages(io: MeshServer, channelPrefix: string): ShardedMessages {
  const adapter = io.of('/').adapter as unknown as { uid: string };
  const all = `${channelPrefix}#/#`;
  return {
    toSocket: (socketId, event, payload) => ({
      channel: `${all}${socketId}#`,
      message: JSON.stringify({
        uid: adapter.uid,
        nsp: '/',
        type: MessageType.BROADCAST,
        data: { packet: { type: PacketType.EVENT, data: [event, payload], nsp: '/' }, opts: { rooms: [socketId], except: [], flags: {} } },
      }),
    }),
    announcement: (event, payload) => ({
      channel: all,
      message: JSON.stringify({ uid: adapter.uid, nsp: '/', type: MessageType.SERVER_SIDE_EMIT, data: { packet: [event, payload] } }),
    }),
  };
}

/**
 * Cross-node delivery through the sharded Redis adapter (`dynamic-private` mode), with
 * a receipt: the message is what `io.to(socketId).emit('signal', …)` would publish (the
 * adapter's own BROADCAST message on the socket's own channel, which only the node
 * holding that socket subscribes to), but sent here so that SPUBLISH's answer — how many
 * subscribers took it — reaches the relay. 0 means no node holds the socket (it closed,
 * or its node's subscriber is cut off), so the sender is told instead of acked.
 */
export function shardedDelivery(messages: ShardedMessages, pub: Redis): RemoteDelivery {
  return {
    toSocket(socketId, payload) {
      const { channel, message } = messages.toSocket(socketId, 'signal', payload);
      // SPUBLISH answers with the number of subscribers that received the message.
      return pub.spublish(channel, message) as Promise<number>;
    },
  };
}

/**
 * Cross-node delivery through the classic adapter: every node receives every relay, so
 * Redis's count says nothing about the target. Delivery is not confirmed (counted as 1).
 */
export function classicDelivery(io: MeshServer): RemoteDelivery {
  return {
    async toSocket(socketId, payload) {
      io.to(socketId).emit('signal', payload);
      return 1;
    },
  };
}

/** Same-node delivery of `signal` through the socket.io server's own sockets. */
export function localDelivery(io: MeshServer): LocalDelivery {
  return {
    toMember(socketId, room, to, payload) {
      const local = io.sockets.sockets.get(socketId);
      if (!local) return 'absent';
      const tb = local.data.binding;
      if (!local.connected || tb?.id !== to || tb.room !== room) return 'stale';
      writeSignal(local, payload);
      return 'delivered';
    },
  };
}
