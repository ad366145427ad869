import type { MediaState, Peer } from '@meshmeet/protocol';

/**
 * The room store: who is in which room, bound to which socket on which node.
 *
 * Every operation touches one member atomically (a Lua script in Redis, a synchronous
 * block in memory); no caller ever reads a whole room, edits it and writes it back,
 * because read-modify-write of a whole room loses members who join at the same moment.
 *
 * Room names are normalized by the protocol schema before they get here; stores encode
 * them (see {@link encodeRoom}) before using them in any key.
 */
export interface RoomStore {
  /** Adds a member, creating the room if needed. Capacity and password are checked atomically. */
  join(input: JoinInput): Promise<JoinOutcome>;
  /**
   * Re-binds the member holding `tokenHash` to a new socket and rotates its token. The
   * member's previous token also works, within `retryWindowMs` of the resume that
   * replaced it (a retry after a lost answer); any older token fails.
   */
  resume(input: ResumeInput): Promise<ResumeOutcome | null>;
  /** Removes a member if it is still bound to `socketId`. Returns whether it was removed. */
  leave(room: string, id: string, socketId: string): Promise<boolean>;
  /**
   * The member's socket went away. With `graceMs > 0` the member stays (unbound) until the
   * grace deadline, so it can resume; with 0 it is removed at once.
   * Does nothing (`'stale'`) when the member is bound to another socket (it already resumed).
   */
  disconnect(room: string, id: string, socketId: string, graceMs: number): Promise<'grace' | 'removed' | 'stale'>;
  /** Applies a partial state change to a member bound to `socketId`; returns the new peer or null. */
  update(room: string, id: string, socketId: string, patch: PeerPatch): Promise<Peer | null>;
  /** One member with its binding, or null. */
  getMember(room: string, id: string): Promise<MemberRecord | null>;
  /** Everyone in the room (bound or in grace), or `[]` for an unknown room. */
  list(room: string): Promise<Peer[]>;
  /** Size and password record of a room, or null when it does not exist. */
  info(room: string): Promise<RoomInfo | null>;
  /**
   * Periodic housekeeping, called every few hundred ms by each node: records this node as
   * alive, removes members whose grace expired and members of nodes that stopped
   * heartbeating. Returns what it removed so the caller can tell the rooms, and whether
   * another node had taken *this* node for dead (it missed heartbeats: a long pause).
   */
  tick(): Promise<TickResult>;
  /** Totals for metrics. */
  stats(): Promise<{ rooms: number; members: number }>;
  /** Forgets this node's liveness record (graceful shutdown) and frees resources. */
  close(): Promise<void>;
}

/** A member as stored: the public peer plus its binding. */
export interface MemberRecord {
  peer: Peer;
  /** The socket it is bound to, or null while in its resume grace window. */
  socketId: string | null;
  /** The node (process) holding the socket. */
  nodeId: string;
}

/** Input of {@link RoomStore.join}. */
export interface JoinInput {
  room: string;
  peer: Peer;
  socketId: string;
  /** SHA-256 of the resume token (the token itself is never stored). */
  tokenHash: string;
  maxSize: number;
  /**
   * The password record the caller verified the client against (`null`: the caller saw no
   * password). If the room's record differs now, the store answers `password` so the caller
   * can verify again: the scrypt check runs outside the atomic section.
   */
  expectPassword: string | null;
  /** Password record to store if this join creates the room (`null`: no password). */
  createPassword: string | null;
  /**
   * Rooms created per client address are limited: if this join would create the room and
   * `key` has created `limit` rooms in its current window already, the store answers
   * `no-create` instead; a join that creates the room counts one for `key`. The count and
   * the creation are one atomic step, and with Redis the count is shared by every node,
   * so neither parallel joins nor spreading them over nodes get past the limit.
   * Absent: no limit.
   */
  creationQuota?: CreationQuota;
  /**
   * A message to publish (`SPUBLISH channel message`) in the same atomic step as the insert,
   * only if the join succeeds: the join's news for the other nodes, sent without a command
   * of its own and never for a join that was refused. A store with no other node to tell
   * (memory) ignores it.
   */
  announce?: Publication;
}

/** A message for one Redis channel (see {@link JoinInput.announce}). */
export interface Publication {
  channel: string;
  message: string;
}

/** See {@link JoinInput.creationQuota}. */
export interface CreationQuota {
  /** Whose creations are counted (the client address). */
  key: string;
  /** Most rooms `key` may create per window. */
  limit: number;
  /** Length of a window, ms; it starts with the first room created in it. */
  windowMs: number;
}

/** Result of {@link RoomStore.join}. */
export type JoinOutcome =
  | { kind: 'ok'; members: Peer[]; created: boolean }
  | { kind: 'full' }
  | { kind: 'no-create' }
  | { kind: 'password'; current: string | null };

/** Input of {@link RoomStore.resume}. */
export interface ResumeInput {
  tokenHash: string;
  newTokenHash: string;
  socketId: string;
  /**
   * How long the presented token stays usable once more after this resume, ms: if the
   * answer carrying the new token is lost (the connection dropped), the client retries with
   * the token it still has, and that retry succeeds (the token issued in between dies).
   * 0: the presented token is spent at once.
   */
  retryWindowMs: number;
}

/** Result of a successful {@link RoomStore.resume}. */
export interface ResumeOutcome {
  room: string;
  self: Peer;
  /** Everyone else in the room. */
  members: Peer[];
  /** The socket the member was bound to before (to be disconnected), if any. */
  previousSocketId: string | null;
}

/** Fields a member may change about itself. */
export type PeerPatch = Partial<MediaState> & { nick?: string };

/** Summary of one room. */
export interface RoomInfo {
  size: number;
  /** The stored password record (salt + hash), or null for an open room. */
  password: string | null;
}

/** Result of {@link RoomStore.tick}. */
export interface TickResult {
  removed: Removal[];
  /**
   * True when this node's liveness record had vanished since its last tick: another node
   * reaped it, so members bound here may have been removed while their sockets stayed open.
   */
  selfReaped: boolean;
}

/** A member removed by housekeeping. */
export interface Removal {
  room: string;
  id: string;
  reason: 'disconnected' | 'node-down';
}

/**
 * Encodes a room name for use inside a storage key: base64url of its UTF-8 bytes. The
 * alphabet has no `:`, `|`, `{`, `*` or spaces, so no name can reach another key or a
 * pattern, and the encoding is injective (two names never share a key).
 */
export function encodeRoom(room: string): string {
  return Buffer.from(room, 'utf8').toString('base64url');
}

/** Inverse of {@link encodeRoom}. */
export function decodeRoom(encoded: string): string {
  return Buffer.from(encoded, 'base64url').toString('utf8');
}
