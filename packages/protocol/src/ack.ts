import type { WireError } from './errors.js';

/** A successful ack. */
export interface AckOk<T> {
  ok: true;
  data: T;
}

/** A failed ack. */
export interface AckError {
  ok: false;
  error: WireError;
}

/** Every client → server event with an ack answers with this shape. */
export type Ack<T = undefined> = AckOk<T> | AckError;

/** Builds a successful ack. */
export function ok<T>(data: T): AckOk<T> {
  return { ok: true, data };
}

/** Builds a failed ack. */
export function fail(code: WireError['code'], message: string): AckError {
  return { ok: false, error: { code, message } };
}
