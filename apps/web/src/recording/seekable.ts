/**
 * Make a MediaRecorder WebM seekable: MediaRecorder writes a live stream (no
 * Duration, no Cues, clusters of unknown size), so players cannot seek it and show no
 * length. webm-duration-fix (a maintained fork of ts-ebml's reader for large files)
 * reads the file and rebuilds the header with Duration, SeekHead and Cues
 * (`tools.makeMetadataSeekable`); the media data after the old header is reused
 * unchanged.
 *
 * Why not ts-ebml itself: it needs a global `Buffer` and `require("ebml")`, whose
 * package "browser" field points at an IIFE build that exports nothing to a bundler,
 * so under Vite it fails at load unless the app aliases `ebml`. webm-duration-fix
 * imports the `buffer` package explicitly and has no `ebml` dependency.
 *
 * Memory: the file is read as a stream in `readSize` pieces and every element is
 * handed to the library's Reader, which keeps only the header elements, one cluster's
 * worth of element descriptors and one cue per cluster. The body is never loaded: the
 * result is `head` plus a byte offset, and the caller writes `head` followed by a
 * `slice` of the (disk-backed) input. Peak memory is about one read piece plus one
 * cluster, not the file size.
 *
 * The library is CommonJS with a `buffer` polyfill; it is loaded lazily (tens of KB
 * gzip with its dependencies, far over the first-screen budget), only when a
 * recording is finalized.
 */
import { RecordingError } from './errors.js';

/** What is needed to write the seekable file. */
export interface SeekableLayout {
  /** The new header (EBML header + Segment start + SeekHead + Info with Duration + Tracks + Cues). */
  head: ArrayBuffer;
  /** Offset in the original file where the media data (first Cluster) starts. */
  bodyOffset: number;
  /**
   * End of the last complete element. Smaller than the file size when the recording
   * was cut (crash, reload): MediaRecorder chunks end anywhere, so the last one written
   * may stop mid-frame; cutting there leaves a file every player reads to the end.
   */
  bodyEnd: number;
  /** Duration written into the file, in milliseconds. */
  durationMs: number;
}

type Ebml = typeof import('webm-duration-fix/lib/ebml');
let loading: Promise<Ebml> | null = null;

/** Load the EBML reader once (lazily: it is big). */
export function loadEbml(): Promise<Ebml> {
  loading ??= (async () => {
    const mod = (await import('webm-duration-fix/lib/ebml')) as Ebml & { default?: Ebml };
    // CommonJS interop: Vite may put module.exports on `default`, Node on the namespace.
    return mod.Decoder ? mod : (mod.default as Ebml);
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
  const { Decoder, Reader, tools } = await loadEbml();
  const decoder = new Decoder();
  const reader = new Reader();
  reader.logging = false;
  // Keep DefaultDuration (Chrome writes a correct one now); dropping it only logs warnings.
  reader.drop_default_duration = false;

  let bodyEnd = 0;
  // Our own clock: the reader's `duration` mixes a block time from one cluster with
  // another cluster's start when the last cluster holds audio only (seen: a 3.1 s
  // recording labelled 2.1 s). The largest absolute block time is unambiguous.
  let clusterTime = 0;
  let lastBlockTime = -1;
  let lastGap = 0;
  try {
    for (let offset = 0; offset < input.size; offset += readSize) {
      const piece = await input.slice(offset, offset + readSize).arrayBuffer();
      for (const element of decoder.decode(piece)) {
        // The decoder emits a leaf element only once all its bytes are there.
        if (element.type !== 'm' && element.dataEnd > bodyEnd) bodyEnd = element.dataEnd;
        if (element.name === 'Timecode' && element.type === 'u') clusterTime = Number(element.value);
        if (element.name === 'SimpleBlock' && element.type === 'b') {
          const t = clusterTime + tools.ebmlBlock(element.data).timecode;
          if (t > lastBlockTime) {
            if (lastBlockTime >= 0) lastGap = t - lastBlockTime;
            lastBlockTime = t;
          }
        }
        // Newer Chromium writes elements the library's schema does not know; they carry no
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
  // Up to the end of the last frame: its start plus the gap before it (≤ 100 ms).
  const duration = lastBlockTime < 0 ? 0 : lastBlockTime + Math.min(lastGap, 100 / (reader.timecodeScale / 1e6));
  const durationMs = (duration * reader.timecodeScale) / 1e6;
  // The reader takes timing from SimpleBlocks only. Chrome writes BlockGroups instead for
  // video with alpha (a canvas captured without `alpha: false`): then it finds no
  // frames, and writing "duration 0" would be worse than leaving the file as it is.
  if (!(durationMs > 0) || reader.cues.length === 0) {
    throw new RecordingError('FINALIZE_FAILED', 'No frame timing found in the recording (no SimpleBlocks)');
  }
  const head = tools.makeMetadataSeekable(reader.metadatas, duration, reader.cues);
  return { head, bodyOffset: reader.metadataSize, bodyEnd: Math.min(bodyEnd, input.size), durationMs };
}

/**
 * Turn the raw recording into the parts of a seekable file:
 * `[head, input.slice(bodyOffset, bodyEnd)]`. Nothing of the body is copied into memory.
 */
export async function seekableParts(input: Blob): Promise<{ parts: [ArrayBuffer, Blob]; durationMs: number }> {
  const layout = await analyzeWebm(input);
  return { parts: [layout.head, input.slice(layout.bodyOffset, layout.bodyEnd)], durationMs: layout.durationMs };
}
