/**
 * Telling the room that we are about to record, before the recorder starts.
 *
 * People in a call must know they are being recorded before a single frame of them is
 * written. So the "is recording" flag is published first and must be acknowledged by
 * the server (which relays it to everyone as `peer:updated`); only then may the
 * recorder start. A lost acknowledgement is retried a few times with a growing pause;
 * if the room still cannot be told, the recording does not start and the person is
 * told why (`NOTICE_FAILED`). Framework-free.
 */
import { RecordingError } from './errors.js';

/** Options of {@link announceRecording}. */
export interface RecordingNoticeOptions {
  /** Publishes our recording flag; resolves only once the server acknowledged it. */
  publish: (recording: boolean) => Promise<void>;
  /** Whether the room can be reached right now (joined, not reconnecting). @default always */
  canReach?: () => boolean;
  /** Attempts in all, the first included. @default 3 */
  attempts?: number;
  /** Pause before retry `n` (1-based). @default 500 ms, doubling */
  retryDelayMs?: (retry: number) => number;
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Publishes `recording: true` and waits for the acknowledgement, retrying. Resolves once
 * the room has been told; rejects with a `NOTICE_FAILED` {@link RecordingError} (the
 * last failure as its cause) when every attempt failed.
 */
export async function announceRecording(options: RecordingNoticeOptions): Promise<void> {
  const { publish, canReach = () => true, attempts = 3, retryDelayMs = (n) => 500 * 2 ** (n - 1), sleep = defaultSleep } = options;
  let lastError: unknown = new Error('not connected to the room');
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(retryDelayMs(attempt - 1));
    if (!canReach()) {
      lastError = new Error('not connected to the room');
      continue;
    }
    try {
      await publish(true);
      return;
    } catch (err) {
      lastError = err;
    }
  }
  throw new RecordingError(
    'NOTICE_FAILED',
    'The others in the call could not be told that you are recording, so the recording did not start',
    { cause: lastError },
  );
}
