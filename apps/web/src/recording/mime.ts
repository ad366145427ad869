/**
 * Choosing what MediaRecorder should produce.
 *
 * Order matters: WebM (VP9, then VP8, with Opus) is what Chromium and Firefox record
 * best and what our seekable finalizer understands; MP4 is the last resort for
 * browsers (Safari) that cannot record WebM.
 */

/** One container/codec choice for MediaRecorder. */
export interface RecordingFormat {
  /** The exact string given to `new MediaRecorder(stream, { mimeType })`. */
  mimeType: string;
  /** File extension without the dot. */
  extension: 'webm' | 'mp4';
  /** The container, for the finalizer: only WebM gets cues and a duration written. */
  container: 'webm' | 'mp4';
}

/** Candidates in order of preference, for a stream with audio. */
export const FORMAT_CANDIDATES_AV: readonly RecordingFormat[] = [
  { mimeType: 'video/webm;codecs=vp9,opus', extension: 'webm', container: 'webm' },
  { mimeType: 'video/webm;codecs=vp8,opus', extension: 'webm', container: 'webm' },
  { mimeType: 'video/webm', extension: 'webm', container: 'webm' },
  { mimeType: 'video/mp4;codecs=avc1,mp4a', extension: 'mp4', container: 'mp4' },
  { mimeType: 'video/mp4', extension: 'mp4', container: 'mp4' },
];

/** Candidates for a video-only stream (no Opus to ask for). */
export const FORMAT_CANDIDATES_VIDEO: readonly RecordingFormat[] = [
  { mimeType: 'video/webm;codecs=vp9', extension: 'webm', container: 'webm' },
  { mimeType: 'video/webm;codecs=vp8', extension: 'webm', container: 'webm' },
  { mimeType: 'video/webm', extension: 'webm', container: 'webm' },
  { mimeType: 'video/mp4;codecs=avc1', extension: 'mp4', container: 'mp4' },
  { mimeType: 'video/mp4', extension: 'mp4', container: 'mp4' },
];

/**
 * Pick the best format the browser supports.
 *
 * @param isTypeSupported - usually `MediaRecorder.isTypeSupported`; injected for tests.
 * @param withAudio - whether the stream carries an audio track.
 * @param options.preferVp8 - try VP8 before VP9 (cheaper to encode).
 * @returns the first supported candidate, or `null` when the browser can record none
 *   (the caller shows "recording is not supported in this browser").
 */
export function pickRecordingFormat(
  isTypeSupported: (type: string) => boolean,
  withAudio: boolean,
  options: { preferVp8?: boolean } = {},
): RecordingFormat | null {
  const base = withAudio ? FORMAT_CANDIDATES_AV : FORMAT_CANDIDATES_VIDEO;
  // VP8 first when the encoder competes with a live call for the CPU (meeting
  // recordings): software VP9 costs several times more per frame, and a starved page
  // drops frames from the call itself.
  const candidates = options.preferVp8
    ? [...base.filter((c) => c.mimeType.includes('vp8')), ...base.filter((c) => !c.mimeType.includes('vp8'))]
    : base;
  for (const candidate of candidates) {
    try {
      if (isTypeSupported(candidate.mimeType)) return candidate;
    } catch {
      // Some engines throw on unknown codec strings instead of answering false.
    }
  }
  return null;
}

/** The format a stored recording was made in, recovered from its MIME type. */
export function formatFromMime(mimeType: string): RecordingFormat {
  const isMp4 = /^video\/mp4|^audio\/mp4/i.test(mimeType);
  return isMp4
    ? { mimeType, extension: 'mp4', container: 'mp4' }
    : { mimeType, extension: 'webm', container: 'webm' };
}
