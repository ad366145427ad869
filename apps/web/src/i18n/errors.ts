import { t, type MessageKey } from './index';
import { en } from './messages-en';

/** Any error with a stable code and a message (server `WireError`, `SignalingError`, …). */
export interface CodedError {
  code: string;
  message: string;
}

/** Client-side codes that all mean "the server could not be reached". */
const NETWORK_CODES = new Set(['CONNECT_FAILED', 'NOT_CONNECTED', 'TIMEOUT', 'NETWORK', 'BAD_RESPONSE']);

const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(en, key);

/**
 * A user-facing sentence for a call error: known codes get a message that says what
 * to do (ROOM_FULL, BAD_PASSWORD, …); anything else shows the server's own message,
 * which the protocol guarantees is safe to display.
 */
export function callErrorMessage(err: CodedError): string {
  if (NETWORK_CODES.has(err.code)) return t('error.NETWORK');
  const key = `error.${err.code}`;
  if (key !== 'error.generic' && isMessageKey(key)) return t(key, { message: err.message });
  return t('error.generic', { message: err.message || err.code });
}

/** Normalizes anything thrown by `join()` into a {@link CodedError}. */
export function toCodedError(e: unknown): CodedError {
  const x = (typeof e === 'object' && e !== null ? e : {}) as { code?: unknown; message?: unknown };
  return {
    code: typeof x.code === 'string' ? x.code : 'INTERNAL',
    message: typeof x.message === 'string' ? x.message : String(e),
  };
}
