import { ErrorCode, fail, ok, schemas, type Ack } from '@meshmeet/protocol';
import { AppError } from '../errors.js';
import type { RelayService } from '../rooms/relay-service.js';
import type { RoomService } from '../rooms/room-service.js';
import { frameBytes } from './frame-size.js';
import { closeIfReplaced, describeIssues, safeHandler, splitAck, type HandlerContext } from './safe-handler.js';
import type { MeshSocket } from './types.js';

const DELIVERED: Ack<null> = ok(null);

/** UTF-8 size of a payload as JSON (for frames the decoder did not measure), or Infinity. */
function jsonBytes(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  } catch {
    return Infinity;
  }
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
  const failure = (err: unknown): Ack<unknown> => {
    if (err instanceof AppError) return fail(err.code, err.message);
    ctx.log.error({ err, event: 'signal', socket: socket.id }, 'handler failed');
    return fail(ErrorCode.INTERNAL, 'Internal server error');
  };
  return (...args: unknown[]) => {
    const { payload, ack } = splitAck(args);
    try {
      if (!socket.data.limits.signal!.take()) throw new AppError(ErrorCode.RATE_LIMITED, 'Too many signal events; slow down');
      const bytes = frameBytes(payload) ?? jsonBytes(payload);
      if (!socket.data.limits.signalBytes!.take(bytes)) {
        throw new AppError(ErrorCode.RATE_LIMITED, 'Too many bytes of signals per second; slow down');
      }
      const parsed = schemas.SignalSend.safeParse(payload);
      if (!parsed.success) throw AppError.invalid(describeIssues(parsed.error.issues));
      const pending = relays.relay(socket, parsed.data, bytes);
      if (pending) {
        pending.then(
          () => reply(ack, DELIVERED),
          (err: unknown) => reply(ack, failure(err)),
        );
        return;
      }
      reply(ack, DELIVERED);
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
