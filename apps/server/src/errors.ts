import { ErrorCode, type WireError } from '@meshmeet/protocol';

/**
 * An error whose code and message are safe to send to the client. Anything else that
 * escapes a handler is logged and sent as `INTERNAL` without details.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }

  /** The wire form of this error. */
  toWire(): WireError {
    return { code: this.code, message: this.message };
  }

  /** The payload failed validation; `detail` says which field and why. */
  static invalid(detail: string): AppError {
    return new AppError(ErrorCode.INVALID_PAYLOAD, detail);
  }

  /** The caller must join a room first. */
  static notInRoom(): AppError {
    return new AppError(ErrorCode.NOT_IN_ROOM, 'Join a room first');
  }

  /**
   * The connection acted for a member that has resumed on another connection (maybe on
   * another node). The handlers close such a connection once this was answered.
   */
  static sessionReplaced(): AppError {
    return new AppError(
      ErrorCode.SESSION_REPLACED,
      'You continued this call on another connection; this one is closed. Use the newer tab or connection.',
    );
  }

  /** The store (Redis) could not be reached. */
  static unavailable(cause?: unknown): AppError {
    return new AppError(ErrorCode.UNAVAILABLE, 'The server is temporarily unavailable; try again shortly', { cause });
  }
}

/** Turns any thrown value into a wire error; unknown errors become `INTERNAL`. */
export function toWireError(err: unknown): WireError {
  if (err instanceof AppError) return err.toWire();
  return { code: ErrorCode.INTERNAL, message: 'Internal server error' };
}
