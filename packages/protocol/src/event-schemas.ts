import type { z } from 'zod';
import * as S from './schemas.js';
import type { ServerToClientEvents } from './types.js';

/**
 * The payload schema of every server → client event. Clients parse what they receive with
 * it (an event missing here is not heard) and the server's conformance test checks every
 * event it sends against it, so a new event must be added here once for both.
 */
export const serverEventSchemas = {
  'peer:joined': S.Peer,
  'peer:left': S.PeerLeft,
  'peer:updated': S.PeerUpdated,
  signal: S.SignalRelay,
  'chat:message': S.ChatMessage,
  'server:shutdown': S.ServerShutdown,
} as const satisfies { [K in keyof ServerToClientEvents]: z.ZodType };
