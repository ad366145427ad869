/**
 * @packageDocumentation
 * The meshmeet wire protocol, version {@link PROTOCOL_VERSION}. This package is the
 * only home of wire shapes: the server and the web client import from here.
 * The prose description lives in `docs/protocol.md`.
 */

/** Sent by clients in the socket.io handshake as `auth: { v: PROTOCOL_VERSION }`. */
export const PROTOCOL_VERSION = 1;

/** Event names, so no one types them twice. */
export const Events = {
  join: 'room:join',
  leave: 'room:leave',
  update: 'peer:update',
  signal: 'signal',
  chatSend: 'chat:send',
  peerJoined: 'peer:joined',
  peerLeft: 'peer:left',
  peerUpdated: 'peer:updated',
  chatMessage: 'chat:message',
  shutdown: 'server:shutdown',
} as const;

export * from './errors.js';
export * from './limits.js';
export * from './ack.js';
/** Runtime schemas (zod), one per payload: `schemas.JoinRequest.safeParse(x)`. */
export * as schemas from './schemas.js';
export { jsonByteLength, DEFAULT_MEDIA_STATE } from './schemas.js';
export { serverEventSchemas } from './event-schemas.js';
export type * from './types.js';
