import type { ErrorCode } from '@meshmeet/protocol';
import type { z } from 'zod';
import { SignalingError } from './signaling-error';

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
