import type { ChatMessage, Peer, PeerLeft, PeerUpdated } from '@meshmeet/protocol';

/** Where a connection sits once it joined: set only by the server, never from a payload. */
export interface Binding {
  room: string;
  /** Broadcast channel of the meshmeet room (see `roomChannel`). */
  channel: string;
  id: string;
  nick: string;
}

/**
 * A client connection as the room logic needs it. The room logic depends on this, not on
 * socket.io: a socket.io socket of the signaling layer satisfies it as it is.
 */
export interface MemberConnection {
  readonly id: string;
  /** False once the connection closed (a queued operation may find it gone). */
  readonly connected: boolean;
  readonly data: { binding: Binding | null; address: string };
  /** Starts receiving the broadcasts of `channel`. */
  join(channel: string): Promise<void> | void;
  /** Stops receiving the broadcasts of `channel`. */
  leave(channel: string): Promise<void> | void;
  /** Closes the connection. */
  disconnect(close?: boolean): unknown;
}

/**
 * What a room's clients hear of a change of membership or state: `peer:joined` to everyone
 * in `channel` but the newcomer's connection `except`, `peer:left` to everyone in it, or
 * `peer:updated` to everyone but the sender's connection `except`. It travels with the
 * change itself (see `RoomServiceOptions.onMemberChange` and `onStateChange`), so every
 * node sees it in order, and a join in its gap can replay it (join-gap.ts).
 */
export type RoomNotice =
  | { event: 'peer:joined'; channel: string; payload: Peer; except: string }
  | { event: 'peer:left'; channel: string; payload: PeerLeft }
  | { event: 'peer:updated'; channel: string; payload: PeerUpdated; except: string };

/**
 * How the room logic tells clients what else happened in their room. Defined here, next to the
 * logic that needs it, and implemented by the signaling layer (`signaling/room-notifier.ts`),
 * so dependencies point one way: signaling → rooms.
 */
export interface RoomNotifier {
  /** `peer:joined` to one connection (a member it may have missed while joining). */
  peerJoinedTo(connectionId: string, peer: Peer): void;
  /** `chat:message` to everyone in `channel`, the sender included. */
  chatMessage(channel: string, message: ChatMessage): void;
  /** Closes the connection `connectionId`, on whichever node holds it. */
  closeConnection(connectionId: string): void;
  /** The connections this node holds. */
  localConnections(): Iterable<MemberConnection>;
}
