/**
 * Finish a stored recording: turn its chunks into one seekable file.
 *
 * Used both at the end of a normal recording and to recover one abandoned by a
 * crash; both start from what is on disk, so they cannot disagree. If the WebM
 * cannot be made seekable (unknown layout) the raw data is kept as the file, marked
 * not seekable, rather than losing the recording — but only when it starts with a
 * playable header: data without one (a page that died after MediaRecorder's first,
 * header-only chunk) is no file at all, and is reported as "nothing saved".
 */
import { RecordingError } from './errors.js';
import { inspectRecording } from './inspect.js';
import { formatFromMime } from './mime.js';
import type { RecordingMeta, RecordingStore } from './types.js';

/** Options of {@link finalizeRecording}. */
export interface FinalizeOptions {
  /** Duration measured while recording; used when the file itself cannot tell. */
  fallbackDurationMs?: number | null;
  /** Replaces the WebM analysis (tests). @default seekableParts from ./seekable */
  makeSeekable?: (raw: Blob) => Promise<{ parts: Array<Blob | ArrayBuffer>; durationMs: number }>;
}

/**
 * Finalize recording `id` in `store`.
 *
 * @returns the updated metadata (state `done`).
 * @throws RecordingError `NOTHING_SAVED` when nothing playable was saved (the entry is removed).
 */
export async function finalizeRecording(
  store: RecordingStore,
  id: string,
  options: FinalizeOptions = {},
): Promise<RecordingMeta> {
  const meta = await store.updateMeta(id, { state: 'finalizing' });
  const raw = await store.readChunks(id);
  const inspection = await inspectRecording(raw, meta.mimeType);
  if (!inspection.playable) {
    await store.remove(id);
    throw new RecordingError('NOTHING_SAVED', `Nothing playable was saved (${inspection.reason})`);
  }
  const format = formatFromMime(meta.mimeType);
  let durationMs = options.fallbackDurationMs ?? null;
  let seekable = false;
  let error: string | undefined;
  let parts: Array<Blob | ArrayBuffer> = [raw];

  if (format.container === 'webm') {
    try {
      const make = options.makeSeekable ?? (await import('./seekable.js')).seekableParts;
      const result = await make(raw);
      parts = result.parts;
      durationMs = result.durationMs;
      seekable = true;
    } catch (err) {
      // Keep the raw recording: playable from the start, just not seekable.
      error = err instanceof Error ? err.message : String(err);
      console.warn('[recording] could not make the file seekable', err);
    }
  } else {
    // Chromium's MP4 recorder writes fragmented MP4, which players can seek through
    // its fragment index; nothing to rewrite (see the report on ffprobe checks).
    seekable = true;
  }

  let bytes: number;
  try {
    bytes = await store.writeFinal(id, parts);
  } catch (err) {
    await store.updateMeta(id, { state: 'failed', error: String((err as Error)?.message ?? err) }).catch(() => undefined);
    throw RecordingError.fromStorage(err);
  }
  const done = await store.updateMeta(id, { state: 'done', bytes, durationMs, seekable, ...(error ? { error } : {}) });
  // Only now is the raw data redundant; a crash before this line re-finalizes on reload.
  await store.dropChunks(id).catch((err) => console.warn('[recording] could not delete chunks', err));
  return done;
}
