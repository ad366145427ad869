import type { ErrorCode, WireError } from '@meshmeet/protocol';

/**
 * Codes the client adds to the server's {@link ErrorCode}s, for failures that never
 * reached the server or whose answer was unusable.
 */
export const ClientErrorCode = {
  /** No ack arrived within the timeout. */
  TIMEOUT: 'TIMEOUT',
  /** The socket is not connected (or not joined) right now. */
  NOT_CONNECTED: 'NOT_CONNECTED',
  /** The server could not be reached at all. */
  CONNECT_FAILED: 'CONNECT_FAILED',
  /** The server answered with a shape the protocol does not allow. */
  BAD_RESPONSE: 'BAD_RESPONSE',
  /** The client was closed (left) while the request was pending. */
  CLOSED: 'CLOSED',
} as const;

/** One of the {@link ClientErrorCode} values. */
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** Every code a {@link SignalingError} may carry. */
export type SignalingErrorCode = ErrorCode | ClientErrorCode;

/**
 * An error from the signaling layer. `code` is stable and can be switched on (the UI
 * maps it to a translated message); `message` is the server's text, safe to show.
 */
export class SignalingError extends Error {
  /** Machine-readable reason. */
  readonly code: SignalingErrorCode;

  constructor(code: SignalingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SignalingError';
    this.code = code;
  }

  /** The error the server put in a failed ack. */
  static fromWire(error: WireError): SignalingError {
    return new SignalingError(error.code, error.message);
  }

  /** An ack that did not come back in time. */
  static timeout(event: string, ms: number): SignalingError {
    return new SignalingError(ClientErrorCode.TIMEOUT, `No answer to "${event}" within ${ms} ms`);
  }

  /** A request made while the socket is not usable. */
  static notConnected(event: string): SignalingError {
    return new SignalingError(ClientErrorCode.NOT_CONNECTED, `Cannot send "${event}": not connected`);
  }

  /** A server answer that failed validation. */
  static badResponse(event: string, cause?: unknown): SignalingError {
    return new SignalingError(ClientErrorCode.BAD_RESPONSE, `Invalid answer to "${event}"`, { cause });
  }

  /** The client was closed while the request was pending. */
  static closed(): SignalingError {
    return new SignalingError(ClientErrorCode.CLOSED, 'The connection was closed');
  }

  /** The error of a refused handshake; the server puts `{code, message}` in `err.data`. */
  static fromHandshake(err: Error & { data?: unknown }): SignalingError {
    const data = err.data as { code?: unknown; message?: unknown } | undefined;
    if (typeof data?.code === 'string') {
      const message = typeof data.message === 'string' ? data.message : err.message;
      return new SignalingError(data.code as ErrorCode, message, { cause: err });
    }
    const message = err.message || 'Could not reach the signaling server';
    return new SignalingError(ClientErrorCode.CONNECT_FAILED, message, { cause: err });
  }

  /** Plain `{code, message}` for UI state and logs. */
  toJSON(): { code: SignalingErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Turns anything thrown into a {@link SignalingError}, keeping the original as `cause`. */
export function toSignalingError(error: unknown, fallback: SignalingErrorCode = 'INTERNAL'): SignalingError {
  if (error instanceof SignalingError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SignalingError(fallback, message, { cause: error });
}
