import { t, type MessageKey } from './index';
import { en } from './messages-en';

import type { CodedError } from '../lib/coded-error';
import { ClientErrorCode } from '../signaling/signaling-error';

/** Client-side codes that all mean "the server could not be reached". */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  ClientErrorCode.CONNECT_FAILED,
  ClientErrorCode.NOT_CONNECTED,
  ClientErrorCode.TIMEOUT,
  ClientErrorCode.BAD_RESPONSE,
]);

const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(en, key);

/**
 * A user-facing sentence for a call error: known codes get a message that says what
 * to do (ROOM_FULL, BAD_PASSWORD, …); anything else shows the server's own message,
 * which the protocol guarantees is safe to display.
 */
export function callErrorMessage(err: CodedError): string {
  if (UNREACHABLE_CODES.has(err.code)) return t('error.unreachable');
  const key = `error.${err.code}`;
  if (key !== 'error.generic' && isMessageKey(key)) return t(key, { message: err.message });
  return t('error.generic', { message: err.message || err.code });
}
