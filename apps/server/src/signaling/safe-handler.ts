import type { FastifyBaseLogger } from 'fastify';
import type { ZodType } from 'zod';
import { ErrorCode, fail, ok, type Ack } from '@meshmeet/protocol';
import { AppError, toWireError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { TokenBucket } from './rate-limit.js';
import type { MeshSocket } from './types.js';

/** What every handler wrapper needs. */
export interface HandlerContext {
  metrics: Metrics;
  log: FastifyBaseLogger;
}

/** How one event is handled. */
export interface HandlerSpec<T> {
  event: string;
  /** Schema of the first argument; omitted for events without a payload (`room:leave`). */
  schema?: ZodType<T>;
  /** Token bucket name in `socket.data.limits`. */
  limit: string;
  /** Run after the socket's earlier membership operations (join, leave, disconnect) finish. */
  serial?: boolean;
  /**
   * For serial events: answer `UNAVAILABLE` if `run` has not finished within this many ms
   * of the event's arrival. The socket's next operation still waits for it; if it was not
   * started yet it never runs.
   */
  answerWithinMs?: number;
  /**
   * Undoes what `run` did when it succeeded after the client was answered `UNAVAILABLE`
   * (the client acts on the answer it got). Without it, a late success stands.
   */
  undoLate?: (socket: MeshSocket, result: unknown) => Promise<void>;
  run: (socket: MeshSocket, payload: T) => Promise<unknown>;
}

/** Takes the ack callback off the end of the arguments, if the client sent one. */
export function splitAck(args: unknown[]): { payload: unknown; ack: ((a: Ack<unknown>) => void) | null } {
  const last = args.at(-1);
  const ack = typeof last === 'function' ? (last as (a: Ack<unknown>) => void) : null;
  return { payload: ack ? (args.length > 1 ? args[0] : undefined) : args[0], ack };
}

/** Describes the first schema issue as `field: reason`. */
export function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const issue = issues[0];
  if (!issue) return 'invalid payload';
  const where = issue.path.map(String).join('.') || 'payload';
  return `${where}: ${issue.message}`;
}

/**
 * Wraps a handler so that nothing a client sends can crash the server: the ack may be
 * missing or not a function, the payload may be anything, the handler may throw. The
 * client gets `{ok: true, data}` or `{ok: false, error: {code, message}}`; unexpected
 * errors are logged here and reach the client only as `INTERNAL`.
 */
export function safeHandler<T>(socket: MeshSocket, ctx: HandlerContext, spec: HandlerSpec<T>): (...args: unknown[]) => void {
  const reply = (ack: ((a: Ack<unknown>) => void) | null, answer: Ack<unknown>) => {
    if (!answer.ok) ctx.metrics.errors.inc({ code: answer.error.code });
    if (ack) {
      try {
        ack(answer);
      } catch (err) {
        ctx.log.warn({ err, event: spec.event }, 'ack callback threw');
      }
    }
    closeIfReplaced(socket, answer);
  };

  const handle = async (payload: unknown): Promise<Ack<unknown>> => {
    let value = payload as T;
    if (spec.schema) {
      const parsed = spec.schema.safeParse(payload);
      if (!parsed.success) return fail(ErrorCode.INVALID_PAYLOAD, describeIssues(parsed.error.issues));
      value = parsed.data;
    }
    const data = await spec.run(socket, value);
    return ok(data ?? null);
  };

  return (...args: unknown[]) => {
    const { payload, ack } = splitAck(args);
    const bucket = socket.data.limits[spec.limit];
    if (bucket && !bucket.take()) {
      reply(ack, fail(ErrorCode.RATE_LIMITED, `Too many ${spec.event} events; slow down`));
      return;
    }
    const job = () =>
      handle(payload).catch((err: unknown) => {
        if (!(err instanceof AppError)) ctx.log.error({ err, event: spec.event, socket: socket.id }, 'handler failed');
        const wire = toWireError(err);
        return fail(wire.code, wire.message);
      });
    if (!spec.serial) {
      void job().then((answer) => reply(ack, answer));
      return;
    }
    const within = spec.answerWithinMs;
    let late = false;
    const start = () => (late ? NOT_RUN : job());
    const done = socket.data.queue.then(start, start);
    // The socket's next operation waits for this one, and for the undo of a late success.
    socket.data.queue = done.then(async (answer) => {
      if (!late || !answer.ok || !spec.undoLate) return;
      await spec.undoLate(socket, answer.data).catch((err: unknown) => ctx.log.warn({ err, event: spec.event, socket: socket.id }, 'could not undo a late operation'));
    });
    const timer =
      within === undefined
        ? null
        : setTimeout(() => {
            late = true;
            ctx.metrics.lateAnswers.inc({ event: spec.event });
            reply(ack, fail(ErrorCode.UNAVAILABLE, `No answer within ${within} ms (the server's storage is slow); try again shortly`));
          }, within);
    void done.then((answer) => {
      if (late) return;
      if (timer) clearTimeout(timer);
      reply(ack, answer);
    });
  };
}

/** The result of a serial operation answered late before it could start: it never ran (not sent: the client has its answer). */
const NOT_RUN: Ack<unknown> = fail(ErrorCode.UNAVAILABLE, 'not run');

/** Runs `fn` after the socket's queued membership operations, for the disconnect path. */
export function enqueue(socket: MeshSocket, fn: () => Promise<unknown>): Promise<unknown> {
  const next = socket.data.queue.then(fn, fn).catch(() => undefined);
  socket.data.queue = next;
  return next;
}

/**
 * Closes a connection that was just told `SESSION_REPLACED` (its member resumed on another
 * connection). The ack is queued first, and engine.io flushes queued packets before it
 * closes, so the client reads the reason before the close.
 */
export function closeIfReplaced(socket: MeshSocket, answer: Ack<unknown>): void {
  if (!answer.ok && answer.error.code === ErrorCode.SESSION_REPLACED) socket.disconnect(true);
}
