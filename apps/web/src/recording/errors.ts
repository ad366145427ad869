/**
 * Errors the recording features show to the user. Each has a stable `code` the UI
 * maps to a translated "what to do" message, and keeps the browser's error as `cause`.
 */

/** Why a recording or a screen share could not start or finish. */
export type RecordingErrorCode =
  /** The user refused the screen picker or the browser blocked capture. */
  | 'PERMISSION_DENIED'
  /** No screen/microphone could be captured (none present or the OS refused). */
  | 'NO_DEVICE'
  /** The device or screen is in use by another application. */
  | 'DEVICE_BUSY'
  /** This browser cannot capture the screen or record any known format. */
  | 'UNSUPPORTED'
  /** Storage is full (quota exceeded) while writing chunks or the final file. */
  | 'STORAGE_FULL'
  /** A recording is already running in this tab. */
  | 'ALREADY_RECORDING'
  /** The recorder itself failed (encoder error, track failure). */
  | 'RECORDER_FAILED'
  /** The file could not be finalized (made seekable). */
  | 'FINALIZE_FAILED'
  /** Nothing playable was saved (stopped or interrupted before the first frame was stored). */
  | 'NOTHING_SAVED'
  /** Meeting recording needs an active call. */
  | 'NOT_IN_CALL'
  /** The others in the call could not be told about the recording, so it did not start. */
  | 'NOTICE_FAILED';

/** An error with a code for the UI and the underlying cause for the console. */
export class RecordingError extends Error {
  /** Stable, UI-mappable code. */
  readonly code: RecordingErrorCode;

  constructor(code: RecordingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecordingError';
    this.code = code;
  }

  /**
   * Translate a `getDisplayMedia`/`getUserMedia` rejection into a RecordingError.
   * Names come from the Media Capture spec (`NotAllowedError`, `NotFoundError`,
   * `NotReadableError`, `NotSupportedError`, `InvalidStateError`).
   */
  static fromCapture(err: unknown, what: 'screen' | 'microphone'): RecordingError {
    if (err instanceof RecordingError) return err;
    const name = (err as { name?: string } | null)?.name ?? '';
    switch (name) {
      case 'NotAllowedError':
      case 'SecurityError':
        return new RecordingError('PERMISSION_DENIED', `Permission to capture the ${what} was denied`, { cause: err });
      case 'NotFoundError':
      case 'OverconstrainedError':
        return new RecordingError('NO_DEVICE', `No ${what} is available to capture`, { cause: err });
      case 'NotReadableError':
      case 'AbortError':
        return new RecordingError('DEVICE_BUSY', `The ${what} could not be read; another application may be using it`, { cause: err });
      case 'NotSupportedError':
      case 'TypeError':
        return new RecordingError('UNSUPPORTED', `Capturing the ${what} is not supported here`, { cause: err });
      default:
        return new RecordingError('RECORDER_FAILED', `Capturing the ${what} failed: ${String((err as Error)?.message ?? err)}`, { cause: err });
    }
  }

  /** Quota errors from storage writes become STORAGE_FULL; others keep their code. */
  static fromStorage(err: unknown): RecordingError {
    if (err instanceof RecordingError) return err;
    const name = (err as { name?: string } | null)?.name ?? '';
    if (name === 'QuotaExceededError') {
      return new RecordingError('STORAGE_FULL', 'Browser storage is full; delete old recordings and try again', { cause: err });
    }
    return new RecordingError('RECORDER_FAILED', `Writing the recording failed: ${String((err as Error)?.message ?? err)}`, { cause: err });
  }
}
