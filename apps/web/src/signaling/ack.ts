import type { ClientToServerEvents, ErrorCode } from '@meshmeet/protocol';
import type { z } from 'zod';
import { SignalingError, toSignalingError } from './signaling-error';
import type { AppSocket } from './socket';

/**
 * Checks an ack envelope `{ok:true,data}|{ok:false,error:{code,message}}` and its data.
 * A failed ack becomes a {@link SignalingError} with the server's code; anything that
 * is not a valid envelope becomes `BAD_RESPONSE` (a broken server must not crash us).
 *
 * @param event - the event name, for error messages
 * @param ack - what the server passed to the callback
 * @param schema - schema of `data`; `null` when the event acks with no data
 */
export function unwrapAck<S extends z.ZodType>(event: string, ack: unknown, schema: S): z.infer<S>;
export function unwrapAck(event: string, ack: unknown, schema: null): null;
export function unwrapAck(event: string, ack: unknown, schema: z.ZodType | null): unknown {
  if (typeof ack !== 'object' || ack === null || !('ok' in ack)) {
    throw SignalingError.badResponse(event);
  }
  const envelope = ack as { ok: unknown; data?: unknown; error?: unknown };
  if (envelope.ok === false) {
    const error = envelope.error as { code?: unknown; message?: unknown } | undefined;
    if (typeof error?.code !== 'string') throw SignalingError.badResponse(event);
    // An unknown code from a newer server is kept as is: codes are "add, never rename".
    const message = typeof error.message === 'string' ? error.message : error.code;
    return throwWire(error.code as ErrorCode, message);
  }
  if (envelope.ok !== true) throw SignalingError.badResponse(event);
  if (schema === null) return null;
  const parsed = schema.safeParse(envelope.data);
  if (!parsed.success) throw SignalingError.badResponse(event, parsed.error);
  return parsed.data;
}

function throwWire(code: ErrorCode, message: string): never {
  throw SignalingError.fromWire({ code, message });
}

/**
 * Emits `event` with `args` and waits up to `timeoutMs` for its ack, unwrapped by
 * {@link unwrapAck}. Rejects at once with `NOT_CONNECTED` when the socket is not
 * connected: socket.io would otherwise buffer the request and send it right after a
 * reconnect, before our resume join, where the server refuses it as NOT_IN_ROOM.
 */
export function requestWithAck<S extends z.ZodType>(
  socket: AppSocket | null,
  event: keyof ClientToServerEvents,
  args: unknown[],
  schema: S,
  timeoutMs: number,
): Promise<z.infer<S>>;
export function requestWithAck(socket: AppSocket | null, event: keyof ClientToServerEvents, args: unknown[], schema: null, timeoutMs: number): Promise<null>;
export function requestWithAck(
  socket: AppSocket | null,
  event: keyof ClientToServerEvents,
  args: unknown[],
  schema: z.ZodType | null,
  timeoutMs: number,
): Promise<unknown> {
  if (!socket?.connected) return Promise.reject(SignalingError.notConnected(event));
  return new Promise((resolve, reject) => {
    // The typed overloads cannot express "any of our events" generically; the ack shape
    // is checked at runtime by unwrapAck anyway.
    const timed = socket.timeout(timeoutMs) as unknown as { emit(ev: string, ...a: unknown[]): void };
    timed.emit(event, ...args, (err: Error | null, ack: unknown) => {
      if (err) return reject(SignalingError.timeout(event, timeoutMs));
      try {
        resolve(schema ? unwrapAck(event, ack, schema) : unwrapAck(event, ack, null));
      } catch (e) {
        reject(toSignalingError(e));
      }
    });
  });
}
