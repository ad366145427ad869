import { serverEventSchemas as INBOUND_SCHEMAS } from '@meshmeet/protocol';
import type { ServerToClientEvents } from '@meshmeet/protocol';
import type { z } from 'zod';

/** Receives validated events, and reports the ones that failed validation. */
export interface InboundHandlers {
  /** A valid event; `data` is the parsed (normalised) payload. */
  onEvent(event: keyof ServerToClientEvents, data: unknown): void;
  /** An event that was dropped; `issues` is a short human-readable reason. */
  onInvalid(event: string, issues: string): void;
}

/** The part of a socket.io client socket this module needs (a fake in tests). */
export interface InboundSocket {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  onAny(listener: (event: string, ...args: unknown[]) => void): unknown;
}

/**
 * Subscribes to every server event, parses each payload with its protocol schema and
 * passes only valid ones on. A server that sends garbage (or an unknown event) is
 * reported, and the app keeps running.
 */
export function listenValidated(socket: InboundSocket | object, handlers: InboundHandlers): void {
  const s = socket as InboundSocket;
  for (const event of Object.keys(INBOUND_SCHEMAS) as Array<keyof ServerToClientEvents>) {
    const schema: z.ZodType = INBOUND_SCHEMAS[event];
    s.on(event, (...args: unknown[]) => {
      const parsed = schema.safeParse(args[0]);
      if (!parsed.success) {
        handlers.onInvalid(event, summarize(parsed.error));
        return;
      }
      handlers.onEvent(event, parsed.data);
    });
  }
  s.onAny((event: string) => {
    if (!(event in INBOUND_SCHEMAS)) handlers.onInvalid(event, 'unknown event');
  });
}

function summarize(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
