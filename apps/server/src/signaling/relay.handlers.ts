import { ErrorCode, fail, schemas, type Ack, type SignalSend } from '@meshmeet/protocol';
import { AppError } from '../errors.js';
import { jsonBytes, type RelayService } from '../rooms/relay-service.js';
import type { RoomService } from '../rooms/room-service.js';
import { ackIdOf, frameBytes } from './frame-size.js';
import { DELIVERED, writeDelivered } from './pre-encoded.js';
import { closeIfReplaced, describeIssues, safeHandler, splitAck, type HandlerContext } from './safe-handler.js';
import type { MeshSocket } from './types.js';

// Refusals are answers, not faults: built once, so a flood of refused relays costs no
// error object (and no stack capture) each.
const TOO_MANY_EVENTS: Ack<null> = fail(ErrorCode.RATE_LIMITED, 'Too many signal events; slow down');
const TOO_MANY_BYTES: Ack<null> = fail(ErrorCode.RATE_LIMITED, 'Too many bytes of signals per second; slow down');

/**
 * Checks a `signal` payload: the plain `{to, data}` shape clients send is recognized
 * without zod; anything else gets the schema's verdict (and its error message).
 */
function parseSignal(payload: unknown): SignalSend {
  if (schemas.isPlainSignalSend(payload)) return payload;
  const parsed = schemas.SignalSend.safeParse(payload);
  if (!parsed.success) throw AppError.invalid(describeIssues(parsed.error.issues));
  return parsed.data;
}

/**
 * `signal`, the hot path: most traffic, so it avoids the generic wrapper's promises.
 * Checked in order of cost: the socket's event and byte budgets (the byte count comes
 * from the frame, measured while socket.io decoded it), the schema, then the relay. A
 * relay to a member known on this node is acked in the same turn; one that waits on
 * Redis is acked when Redis answered.
 */
function signalHandler(socket: MeshSocket, relays: RelayService, ctx: HandlerContext): (...args: unknown[]) => void {
  const reply = (ack: ((a: Ack<unknown>) => void) | null, answer: Ack<unknown>): void => {
    if (!answer.ok) ctx.metrics.countError(answer.error.code);
    if (ack) {
      try {
        ack(answer);
      } catch (err) {
        ctx.log.warn({ err, event: 'signal' }, 'ack callback threw');
      }
    }
    if (!answer.ok) closeIfReplaced(socket, answer);
  };
  // The ack of a delivered relay goes out pre-encoded when the decoder noted its id.
  const delivered = (ack: ((a: Ack<unknown>) => void) | null, payload: unknown): void => {
    const ackId = ack ? ackIdOf(payload) : undefined;
    if (ackId !== undefined) writeDelivered(socket, ackId, ack!);
    else reply(ack, DELIVERED);
  };
  const failure = (err: unknown): Ack<unknown> => {
    if (err instanceof AppError) return fail(err.code, err.message);
    ctx.log.error({ err, event: 'signal', socket: socket.id }, 'handler failed');
    return fail(ErrorCode.INTERNAL, 'Internal server error');
  };
  return (...args: unknown[]) => {
    const { payload, ack } = splitAck(args);
    if (!socket.data.limits.signal!.take()) return reply(ack, TOO_MANY_EVENTS);
    // A frame the decoder did not measure (binary) is measured as JSON.
    const bytes = frameBytes(payload) ?? jsonBytes(payload);
    if (!socket.data.limits.signalBytes!.take(bytes)) return reply(ack, TOO_MANY_BYTES);
    try {
      const pending = relays.relay(socket, parseSignal(payload), bytes);
      if (pending) {
        pending.then(
          () => delivered(ack, payload),
          (err: unknown) => reply(ack, failure(err)),
        );
        return;
      }
      delivered(ack, payload);
    } catch (err) {
      reply(ack, failure(err));
    }
  };
}

/** Messages between members: `signal` (to one peer) and `chat:send` (to the room). */
export function registerRelayHandlers(socket: MeshSocket, rooms: RoomService, relays: RelayService, ctx: HandlerContext): void {
  socket.on('signal', signalHandler(socket, relays, ctx));

  socket.on(
    'chat:send',
    safeHandler(socket, ctx, {
      event: 'chat:send',
      schema: schemas.ChatSend,
      limit: 'chat',
      run: (s, msg) => rooms.chat(s, msg.text),
    }),
  );
}
