/**
 * Why a screen share could not start. Each code maps to a translated "what to do"
 * sentence (`share.err.CODE` in the catalogs); the browser's error stays as `cause`.
 */

/** Stable, UI-mappable reasons a share failed. */
export type ShareErrorCode =
  /** The user cancelled the picker, or the browser or OS refused screen capture. */
  | 'PERMISSION_DENIED'
  /** Nothing could be captured (no screen the browser may offer). */
  | 'NO_SOURCE'
  /** The screen could not be read (another application holds it). */
  | 'SOURCE_BUSY'
  /** This browser has no screen capture at all. */
  | 'UNSUPPORTED'
  /** Anything else; the message says what. */
  | 'SHARE_FAILED';

/** An error with a code for the UI and the underlying cause for the console. */
export class ShareError extends Error {
  /** Stable, UI-mappable code. */
  readonly code: ShareErrorCode;

  constructor(code: ShareErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ShareError';
    this.code = code;
  }

  /**
   * Translates a `getDisplayMedia` rejection. Names come from the Screen Capture spec
   * (`NotAllowedError`, `NotFoundError`, `NotReadableError`, `AbortError`, `NotSupportedError`).
   */
  static fromCapture(err: unknown): ShareError {
    if (err instanceof ShareError) return err;
    const name = (err as { name?: string } | null)?.name ?? '';
    switch (name) {
      case 'NotAllowedError':
      case 'SecurityError':
        return new ShareError('PERMISSION_DENIED', 'Screen capture was cancelled or refused', { cause: err });
      case 'NotFoundError':
      case 'OverconstrainedError':
        return new ShareError('NO_SOURCE', 'No screen is available to capture', { cause: err });
      case 'NotReadableError':
      case 'AbortError':
        return new ShareError('SOURCE_BUSY', 'The screen could not be read', { cause: err });
      case 'NotSupportedError':
      case 'TypeError':
        return new ShareError('UNSUPPORTED', 'Screen capture is not supported here', { cause: err });
      default:
        return new ShareError('SHARE_FAILED', `Sharing the screen failed: ${String((err as Error)?.message ?? err)}`, { cause: err });
    }
  }
}
