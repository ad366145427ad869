import { scaled } from './slowness.js';

/** Thrown from a {@link waitFor} check to stop waiting at once (e.g. the process died). */
export class FatalWaitError extends Error {}

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /**
   * Deadline on an idle machine, in ms; the wait allows `timeoutMs × slowness()`.
   * @default 20000
   */
  timeoutMs?: number;
  /**
   * Pause between checks, in ms.
   * @default 200
   */
  intervalMs?: number;
}

/**
 * Polls `check` every `intervalMs` until it returns a truthy value (returned) or the
 * deadline passes (throws, naming `what` and the last error a check threw). A check that
 * throws {@link FatalWaitError} ends the wait at once. Every condition wait of the server
 * tests, the journeys and the benchmarks goes through here, so none can hang and all
 * stretch together on a busy machine.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = 20_000, intervalMs = 200 }: WaitOptions = {},
): Promise<T> {
  const allowed = scaled(timeoutMs);
  const deadline = Date.now() + allowed;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      if (err instanceof FatalWaitError) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const stretched = allowed !== timeoutMs ? ` (${timeoutMs} ms scaled for a busy machine)` : '';
      throw new Error(`timed out after ${allowed} ms${stretched} waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
