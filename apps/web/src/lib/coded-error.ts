/**
 * The one shape the UI shows a failure in: a stable `code` it can switch on (and map to
 * a translated "what to do" sentence) and a `message` that is safe to display.
 *
 * `code` is a protocol `ErrorCode` from the server
 * (ROOM_FULL, BAD_PASSWORD, …) or a client code of the signaling layer (TIMEOUT,
 * CONNECT_FAILED, …; see `signaling/signaling-error.ts`). Error classes of the engine
 * (`SignalingError`, `ShareError`, `RecordingError`) all satisfy it.
 */
export interface CodedError {
  /** Machine-readable reason, SCREAMING_SNAKE. */
  code: string;
  /** Human-readable reason, safe to show. */
  message: string;
}

/**
 * Normalizes anything thrown into a plain {@link CodedError}: an object with a string
 * `code` keeps it (and its message); anything else becomes `fallback`.
 */
export function toCodedError(error: unknown, fallback = 'INTERNAL'): CodedError {
  const x = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  const code = typeof x.code === 'string' ? x.code : fallback;
  const message = typeof x.message === 'string' ? x.message : error instanceof Error ? error.message : String(error);
  return { code, message };
}
