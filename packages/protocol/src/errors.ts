/**
 * Error codes carried in `{ ok: false, error: { code, message } }` acks and in
 * `connect_error` data. Codes are part of the wire contract: add, never rename.
 */
export const ErrorCode = {
  /** The payload failed schema validation (wrong shape, bad room or nick). */
  INVALID_PAYLOAD: 'INVALID_PAYLOAD',
  /** The payload was larger than the server accepts for that event. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The event name is not part of the protocol. */
  UNKNOWN_EVENT: 'UNKNOWN_EVENT',
  /** The handshake announced a protocol version this server does not speak. */
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  /** The room already holds `MAX_ROOM_SIZE` members. */
  ROOM_FULL: 'ROOM_FULL',
  /** The room has a password and the one given does not match (or none was given). */
  BAD_PASSWORD: 'BAD_PASSWORD',
  /**
   * A password was given for a room that already exists without one: the password would
   * protect nothing, so the join is refused rather than silently joining an open room.
   */
  ROOM_NOT_PROTECTED: 'ROOM_NOT_PROTECTED',
  /** This client address may not create more rooms for now (`ROOMS_PER_ADDRESS_PER_HOUR`). */
  ROOM_LIMIT: 'ROOM_LIMIT',
  /** The socket already joined a room; leave first. */
  ALREADY_IN_ROOM: 'ALREADY_IN_ROOM',
  /** The event needs a joined room and the socket has none. */
  NOT_IN_ROOM: 'NOT_IN_ROOM',
  /** `signal.to` is not a member of the sender's room. */
  PEER_NOT_FOUND: 'PEER_NOT_FOUND',
  /** `signal.to` is in the room but reconnecting (within its resume grace); nothing was delivered. */
  PEER_UNAVAILABLE: 'PEER_UNAVAILABLE',
  /** The resume token is unknown, expired or already used. */
  RESUME_FAILED: 'RESUME_FAILED',
  /**
   * This connection no longer speaks for its participant: the participant resumed on
   * another connection (possibly on another node). The event was not carried out, and the
   * server closes this connection right after the ack.
   */
  SESSION_REPLACED: 'SESSION_REPLACED',
  /**
   * Too many events of this kind in a short time, too many wrong passwords from this
   * address or for this room, or the password checker is busy (HTTP 429).
   */
  RATE_LIMITED: 'RATE_LIMITED',
  /** HTTP only: the route needs credentials (`/metrics` without its bearer token). */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** HTTP only: no such route or resource. */
  NOT_FOUND: 'NOT_FOUND',
  /** The server is shutting down or its store is unreachable; retry later. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** Anything else; details are logged on the server, never sent. */
  INTERNAL: 'INTERNAL',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The error object inside a failed ack. `message` is safe to show to a user. */
export interface WireError {
  code: ErrorCode;
  message: string;
}
