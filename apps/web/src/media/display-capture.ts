/**
 * Screen capture (`getDisplayMedia`), used by screen sharing and by screen recording.
 *
 * The browser decides whether a capture has sound: Chromium offers tab or system audio
 * when asked, Firefox ignores `audio: true` and returns video only. Callers that asked
 * for sound get told when it is missing ({@link DisplayCapture.audioMissing}), so the UI
 * can say so instead of sending or recording silence without a word.
 */

/** A display stream and what the browser left out of it. */
export interface DisplayCapture {
  /** One video track, and the captured audio when the browser gave any. */
  stream: MediaStream;
  /** Sound was asked for and the browser returned no audio track. */
  audioMissing: boolean;
}

/** The part of `MediaDevices` screen capture needs (injectable for tests). */
export type DisplayMediaDevices = Pick<MediaDevices, 'getDisplayMedia'>;

/**
 * Shows the browser's screen picker. Rejects with the browser's own error (a
 * `NotSupportedError` when there is no `getDisplayMedia`); callers translate it into
 * their own error type.
 */
export async function captureDisplay(
  withAudio: boolean,
  mediaDevices: DisplayMediaDevices | undefined = globalThis.navigator?.mediaDevices,
): Promise<DisplayCapture> {
  if (!mediaDevices?.getDisplayMedia) {
    throw new DOMException('This browser cannot capture the screen', 'NotSupportedError');
  }
  const stream = await mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 30 } }, audio: withAudio });
  return { stream, audioMissing: withAudio && stream.getAudioTracks().length === 0 };
}
