import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@meshmeet/protocol';
import type { Binding, RoomNotice } from '../rooms/room-notifier.js';
import type { MemberEvent } from '../rooms/membership-view.js';
import type { TokenBucket } from './rate-limit.js';

/** Per-socket server state (`socket.data`). */
export interface SocketData {
  binding: Binding | null;
  /** Membership operations of one socket run one after another (join, leave, disconnect). */
  queue: Promise<unknown>;
  limits: Record<string, TokenBucket>;
  /** The client's address (see `clientAddressResolver`), for the limits per address. */
  address: string;
  /** Closes the socket if it is still in no room then (see `armJoinDeadline`). */
  joinDeadline?: NodeJS.Timeout;
}

/**
 * Events between nodes (`io.serverSideEmit`): `member`, a change of a member's binding, so
 * each node's membership view stays current, with the `peer:joined`/`peer:left` its room's
 * clients are to hear; `room:notice`, a member's `peer:updated` or `chat:message` for its
 * room. Each node tells its own clients, and joins in their gap replay membership and
 * state (join-gap.ts). `members:reset` asks every node to drop its view (a node may have failed
 * to publish a change).
 */
export interface InterServerEvents {
  member: (ev: MemberEvent & { notice?: RoomNotice }) => void;
  'room:notice': (ev: { room: string; notice: RoomNotice }) => void;
  'members:reset': () => void;
}

/** The typed socket.io server. */
export type MeshServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
/** The typed server-side socket. */
export type MeshSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export type { Binding };
