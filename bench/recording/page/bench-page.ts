/**
 * The page side of the recording benchmark: records an incompressible canvas (noise)
 * at a high bitrate through the app's own RecorderSession into either the OPFS store
 * or the in-memory store, then finalizes (seekable) through the app's own finalizer.
 * Driven from bench/recording/main.ts and bench/recording/latency.ts through
 * `window.recBench`. Store kinds: `opfs` is what the app does (worker writer with a
 * sync access handle where available), `opfs-page` the page-side writer alone.
 */
import { finalizeRecording } from '../../../apps/web/src/recording/finalize';
import { MemoryRecordingStore } from '../../../apps/web/src/recording/memory-store';
import { createChunkWorker } from '../../../apps/web/src/recording/create-chunk-worker';
import { OpfsRecordingStore, type DirHandleLike } from '../../../apps/web/src/recording/opfs-store';
import { RecorderSession } from '../../../apps/web/src/recording/recorder';
import type { ChunkWriter, RecordingStore } from '../../../apps/web/src/recording/types';

type StoreKind = 'opfs' | 'opfs-page' | 'memory' | 'discard';
/** Per stored chunk: when MediaRecorder delivered it and when the store acknowledged it (ms). */
const timings: Array<{ deliveredAt: number; storedAt: number | null; bytes: number }> = [];
let writerKind: 'worker' | 'page' = 'page';

const canvas = document.getElementById('src') as HTMLCanvasElement;
const ctx = canvas.getContext('2d', { alpha: false })!;
let frames: ImageData[] = [];
let drawTimer = 0;
let session: RecorderSession | null = null;
let store: RecordingStore | null = null;
const ID = 'bench';

/** Pre-made noise frames, cycled: random pixels defeat the encoder's prediction. */
function makeFrames(n: number): ImageData[] {
  const out: ImageData[] = [];
  for (let i = 0; i < n; i++) {
    const img = ctx.createImageData(canvas.width, canvas.height);
    const u32 = new Uint32Array(img.data.buffer);
    for (let p = 0; p < u32.length; p++) u32[p] = (Math.random() * 0xffffffff) | 0xff000000;
    out.push(img);
  }
  return out;
}

/** Start drawing noise at `fps` (the "screen" being recorded). */
function startSource(fps: number): void {
  if (!frames.length) frames = makeFrames(24);
  let i = 0;
  drawTimer = window.setInterval(() => ctx.putImageData(frames[i++ % frames.length]!, 0, 0), 1000 / fps);
}

/** A store that drops every chunk: isolates the encoder's own memory and CPU. */
class DiscardStore extends MemoryRecordingStore {
  override async create(meta: Parameters<MemoryRecordingStore['create']>[0]) {
    const inner = await super.create(meta);
    let bytes = 0;
    let chunks = 0;
    void inner;
    return {
      get bytes() {
        return bytes;
      },
      get chunks() {
        return chunks;
      },
      append: async (b: Blob) => {
        bytes += b.size;
        chunks += 1;
      },
    };
  }
}

async function openStore(kind: StoreKind): Promise<RecordingStore> {
  if (kind === 'memory') return new MemoryRecordingStore();
  if (kind === 'discard') return new DiscardStore();
  const root = (await navigator.storage.getDirectory()) as unknown as DirHandleLike;
  const s = new OpfsRecordingStore(root, kind === 'opfs' ? { createChunkWorker } : {});
  await s.remove(ID).catch(() => undefined);
  return s;
}

const api = {
  /** Draw the source only (baseline). */
  source(fps: number): void {
    startSource(fps);
  },
  /** Draw and record into `kind` at `bitrate` bit/s. */
  async record(kind: StoreKind, fps: number, bitrate: number, timesliceMs = 1000): Promise<string> {
    startSource(fps);
    store = await openStore(kind);
    const mimeType = 'video/webm;codecs=vp8';
    const inner = await store.create({
      id: ID, kind: 'screen', room: 'bench', startedAt: Date.now(), mimeType,
      state: 'recording', bytes: 0, durationMs: null, seekable: false,
    });
    // Time each non-empty chunk from `dataavailable` (this listener runs before the
    // session's) to the store's acknowledgement; appends come in delivery order.
    writerKind = inner.close ? 'worker' : 'page';
    let acked = 0;
    const writer: ChunkWriter = {
      get bytes() {
        return inner.bytes;
      },
      get chunks() {
        return inner.chunks;
      },
      append: async (b: Blob) => {
        const i = acked++;
        await inner.append(b);
        if (timings[i]) timings[i].storedAt = performance.now();
      },
      ...(inner.close ? { close: () => inner.close!() } : {}),
    };
    const createRecorder = (stream: MediaStream, options: MediaRecorderOptions) => {
      const rec = new MediaRecorder(stream, options);
      rec.addEventListener('dataavailable', (e) => {
        if (e.data.size > 0) timings.push({ deliveredAt: performance.now(), storedAt: null, bytes: e.data.size });
      });
      return rec;
    };
    session = new RecorderSession({ stream: canvas.captureStream(fps), mimeType, writer, videoBitsPerSecond: bitrate, timesliceMs, createRecorder });
    session.start();
    return mimeType;
  },
  /** Delivery → stored timings of every chunk so far, and which writer stored them. */
  timings(): { writer: 'worker' | 'page'; chunks: typeof timings } {
    return { writer: writerKind, chunks: timings };
  },
  progress(): { bytes: number; elapsedMs: number } {
    return { bytes: session?.bytes ?? 0, elapsedMs: session?.elapsedMs() ?? 0 };
  },
  async stop(): Promise<{ bytes: number; elapsedMs: number }> {
    clearInterval(drawTimer);
    await session?.stop();
    return { bytes: session?.bytes ?? 0, elapsedMs: session?.elapsedMs() ?? 0 };
  },
  async finalize(): Promise<{ ms: number; durationMs: number | null; bytes: number; seekable: boolean }> {
    const t0 = performance.now();
    const meta = await finalizeRecording(store!, ID);
    return { ms: performance.now() - t0, durationMs: meta.durationMs, bytes: meta.bytes, seekable: meta.seekable };
  },
  async cleanup(): Promise<void> {
    await store?.remove(ID).catch(() => undefined);
  },
};

(window as unknown as { recBench: typeof api }).recBench = api;
document.title = 'ready';
