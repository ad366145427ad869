/**
 * Make a MediaRecorder WebM seekable: MediaRecorder writes a live stream (no
 * Duration, no Cues, clusters of unknown size), so players cannot seek it and show no
 * length. ts-ebml reads the file and rebuilds the header with Duration, SeekHead and
 * Cues (`tools.makeMetadataSeekable`); the media data after the old header is reused
 * unchanged.
 *
 * Memory: the file is read as a stream in `readSize` pieces and every element is
 * handed to ts-ebml's Reader, which keeps only the header elements, one cluster's
 * worth of element descriptors and one cue per cluster. The body is never loaded: the
 * result is `head` plus a byte offset, and the caller writes `head` followed by a
 * `slice` of the (disk-backed) input. Peak memory is about one read piece plus one
 * cluster, not the file size.
 *
 * ts-ebml is CommonJS written for Node's `Buffer`; it is loaded lazily (it is ~50 KB
 * gzip with its dependencies, far over the first-screen budget) after installing the
 * `buffer` package as `globalThis.Buffer`.
 */
import { RecordingError } from './errors.js';

/** What is needed to write the seekable file. */
export interface SeekableLayout {
  /** The new header (EBML header + Segment start + SeekHead + Info with Duration + Tracks + Cues). */
  head: ArrayBuffer;
  /** Offset in the original file where the media data (first Cluster) starts. */
  bodyOffset: number;
  /** Duration written into the file, in milliseconds. */
  durationMs: number;
}

type TsEbml = typeof import('ts-ebml');
let loading: Promise<TsEbml> | null = null;

/** Load ts-ebml once, with a browser `Buffer` in place first. */
export function loadTsEbml(): Promise<TsEbml> {
  loading ??= (async () => {
    const g = globalThis as { Buffer?: unknown };
    if (!g.Buffer) g.Buffer = (await import('buffer')).Buffer;
    const mod = (await import('ts-ebml')) as TsEbml & { default?: TsEbml };
    // CommonJS interop: Vite puts module.exports on `default`, Node on the namespace.
    return mod.Decoder ? mod : (mod.default as TsEbml);
  })();
  loading.catch(() => {
    loading = null;
  });
  return loading;
}

/**
 * Read a MediaRecorder WebM and compute its seekable header.
 *
 * @param input - the raw recording (chunks concatenated); may be disk-backed.
 * @param readSize - bytes per read; bounds the memory used for reading.
 * @throws RecordingError `FINALIZE_FAILED` when the data is not a WebM with media.
 */
export async function analyzeWebm(input: Blob, readSize = 1 << 20): Promise<SeekableLayout> {
  const { Decoder, Reader, tools } = await loadTsEbml();
  const decoder = new Decoder();
  const reader = new Reader();
  reader.logging = false;
  // Keep DefaultDuration (Chrome writes a correct one now); dropping it only logs warnings.
  reader.drop_default_duration = false;

  try {
    for (let offset = 0; offset < input.size; offset += readSize) {
      const piece = await input.slice(offset, offset + readSize).arrayBuffer();
      for (const element of decoder.decode(piece)) {
        // Newer Chromium writes elements ts-ebml's schema does not know; they carry no
        // timing information, so skipping them is safe (and avoids console noise).
        if ((element.type as string) === 'unknown' || (element.name as string) === 'unknown') continue;
        reader.read(element);
      }
    }
    reader.stop();
  } catch (err) {
    throw new RecordingError('FINALIZE_FAILED', 'The recording could not be read as WebM', { cause: err });
  }

  if (!reader.metadatas.length || reader.metadataSize <= 0) {
    throw new RecordingError('FINALIZE_FAILED', 'The recording has no WebM header (nothing was recorded?)');
  }
  const head = tools.makeMetadataSeekable(reader.metadatas, reader.duration, reader.cues);
  const durationMs = (reader.duration * reader.timestampScale) / 1e6;
  return { head, bodyOffset: reader.metadataSize, durationMs };
}

/**
 * Turn the raw recording into the parts of a seekable file:
 * `[head, input.slice(bodyOffset)]`. Nothing of the body is copied into memory.
 */
export async function seekableParts(input: Blob): Promise<{ parts: [ArrayBuffer, Blob]; durationMs: number }> {
  const layout = await analyzeWebm(input);
  return { parts: [layout.head, input.slice(layout.bodyOffset)], durationMs: layout.durationMs };
}
