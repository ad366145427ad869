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
 * What a room's clients hear: `peer:joined` to everyone in `channel` but the newcomer's
 * connection `except`, `peer:left` to everyone in it, `peer:updated` to everyone but the
 * sender's connection `except`, or `chat:message` to everyone. Every notice goes to every
 * node on the one channel all nodes subscribe to, in publication order, and each node tells
 * its own clients; a membership notice travels with the change itself (see
 * `RoomServiceOptions.onMemberChange`), and a join in its gap replays the membership
 * notices it heard (join-gap.ts).
 */
export type RoomNotice =
  | { event: 'peer:joined'; channel: string; payload: Peer; except: string }
  | { event: 'peer:left'; channel: string; payload: PeerLeft }
  | { event: 'peer:updated'; channel: string; payload: PeerUpdated; except: string }
  | { event: 'chat:message'; channel: string; payload: ChatMessage };

/** The notices about what a member does: a change of state, or a chat message. */
export type ActivityNotice = Extract<RoomNotice, { event: 'peer:updated' | 'chat:message' }>;

/**
 * How the room logic tells clients what else happened in their room. Defined here, next to the
 * logic that needs it, and implemented by the signaling layer (`signaling/room-notifier.ts`),
 * so dependencies point one way: signaling → rooms.
 */
export interface RoomNotifier {
  /** `peer:joined` to one connection (a member it may have missed while joining). */
  peerJoinedTo(connectionId: string, peer: Peer): void;
  /** Closes the connection `connectionId`, on whichever node holds it. */
  closeConnection(connectionId: string): void;
  /** The connections this node holds. */
  localConnections(): Iterable<MemberConnection>;
}
