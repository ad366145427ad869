/**
 * Recordings in the origin private file system (OPFS).
 *
 * Layout: `recordings/<id>/meta.json`, `recordings/<id>/chunk-<n>.bin` and, once
 * finalized, `recordings/<id>/final.<ext>`. The chunk files, read in name order, are
 * the recording as MediaRecorder delivered it.
 *
 * Two chunk writers produce that layout:
 * - where a dedicated worker can open a `FileSystemSyncAccessHandle` (Chromium,
 *   Firefox, Safari), every chunk is appended in place to `chunk-00000001.bin` and
 *   flushed before it is acknowledged (./sync-chunk-writer, ./chunk-file-worker-core):
 *   one write and one flush per chunk, no swap file, no browser round trip per file;
 * - otherwise (no worker, no sync handles) the page writes one file per chunk, or per
 *   several when writes fall behind, as below.
 *
 * Why one file per chunk on the page-side path: in Chromium a `FileSystemWritableFileStream` writes to a
 * swap file that replaces the real file only on `close()`. Appending every chunk to
 * one long-lived writable would lose everything on a crash; reopening it with
 * `keepExistingData` copies the whole file each time (quadratic I/O). A small file per
 * chunk, closed right away, is durable per chunk at constant cost and needs no worker.
 * Memory stays flat: a chunk is released once written, and reading the recording back
 * builds a Blob from disk-backed `File`s.
 */
import { RecordingError } from './errors.js';
import { openSyncChunkWriter, type ChunkWorkerLike } from './sync-chunk-writer.js';
import type { ChunkWriter, RecordingMeta, RecordingStore } from './types.js';

/** Options of {@link OpfsRecordingStore}. */
export interface OpfsRecordingStoreOptions {
  /**
   * Starts a worker that appends chunks through a sync access handle (see
   * ./create-chunk-worker); null or a worker that cannot open one: the page writes.
   * @default none (page-side writes)
   */
  createChunkWorker?: () => ChunkWorkerLike | null;
}

/** The subset of `FileSystemWritableFileStream` used here. */
export interface WritableLike {
  write(data: Blob | ArrayBuffer | ArrayBufferView): Promise<void>;
  close(): Promise<void>;
  abort?(reason?: unknown): Promise<void>;
}
/** The subset of `FileSystemFileHandle` used here. */
export interface FileHandleLike {
  getFile(): Promise<File>;
  createWritable(options?: { keepExistingData?: boolean }): Promise<WritableLike>;
}
/** The subset of `FileSystemDirectoryHandle` used here (a fake implements it in tests). */
export interface DirHandleLike {
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirHandleLike>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandleLike>;
  removeEntry(name: string, options?: { recursive?: boolean }): Promise<void>;
  keys(): AsyncIterable<string>;
}

const ROOT_DIR = 'recordings';
const META = 'meta.json';
const CHUNK_PREFIX = 'chunk-';
const FINAL_PREFIX = 'final.';

const chunkName = (n: number): string => `${CHUNK_PREFIX}${String(n).padStart(8, '0')}.bin`;
/**
 * A committed chunk file, nothing else. Chromium lists a writable's swap file
 * (`chunk-00000004.bin.crswap`) beside the file while a write is open, and a page
 * killed mid-write leaves it behind: it holds a partial chunk that was never
 * acknowledged, and the browser may delete it while we read it.
 */
const CHUNK_RE = /^chunk-(\d{8})\.bin$/;

async function collect(iter: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const k of iter) out.push(k);
  return out;
}

/**
 * Write `parts` to `handle`, reading Blobs as a stream of small pieces.
 *
 * Why not `writable.write(blob)`: it is simpler and copies file to file inside the
 * browser, but then the page never allocates, V8 never collects, and every
 * MediaRecorder Blob (whose bytes live in the browser process until its JS wrapper is
 * collected) stays alive: measured +380 MB over a 10-minute recording (see
 * bench/recording). Reading the bytes allocates ArrayBuffers that V8 accounts as
 * external memory, so it collects regularly and the chunks are freed.
 */
async function writeParts(handle: FileHandleLike, parts: ReadonlyArray<Blob | ArrayBuffer | Uint8Array>): Promise<number> {
  const writable = await handle.createWritable();
  let bytes = 0;
  try {
    for (const part of parts) {
      if (part instanceof Blob) {
        const reader = part.stream().getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          await writable.write(value);
          bytes += value.byteLength;
        }
      } else {
        await writable.write(part);
        bytes += part.byteLength;
      }
    }
    await writable.close();
  } catch (err) {
    await writable.abort?.(err).catch(() => undefined);
    throw RecordingError.fromStorage(err);
  }
  return bytes;
}

/** OPFS-backed {@link RecordingStore}. */
export class OpfsRecordingStore implements RecordingStore {
  readonly persistent = true;
  readonly #root: Promise<DirHandleLike>;
  readonly #options: OpfsRecordingStoreOptions;

  /** @param origin - the OPFS root (`await navigator.storage.getDirectory()`), or a fake. */
  constructor(origin: DirHandleLike, options: OpfsRecordingStoreOptions = {}) {
    this.#root = origin.getDirectoryHandle(ROOT_DIR, { create: true });
    this.#options = options;
  }

  async #dir(id: string, create = false): Promise<DirHandleLike> {
    return (await this.#root).getDirectoryHandle(id, { create });
  }

  async #writeMeta(dir: DirHandleLike, meta: RecordingMeta): Promise<void> {
    const handle = await dir.getFileHandle(META, { create: true });
    await writeParts(handle, [new TextEncoder().encode(JSON.stringify(meta))]);
  }

  async create(meta: RecordingMeta): Promise<ChunkWriter> {
    const dir = await this.#dir(meta.id, true);
    await this.#writeMeta(dir, meta);
    const worker = this.#options.createChunkWorker?.() ?? null;
    const inPlace = worker ? await openSyncChunkWriter(worker, meta.id, chunkName(1)) : null;
    return inPlace ?? this.#pageWriter(dir);
  }

  /** The page-side writer: one `createWritable()` file per chunk or batch of chunks. */
  #pageWriter(dir: DirHandleLike): ChunkWriter {
    let bytes = 0;
    let chunks = 0;
    let files = 0;
    // Chunks waiting for the file write in progress. On a loaded machine one OPFS file
    // write (create, swap file, close) can take longer than a timeslice; writing one
    // file per chunk then falls further behind every second, and a crash loses the
    // whole backlog. So every write takes all chunks waiting at that moment into one
    // file: the backlog is at most what arrived during one write. Files are numbered
    // in arrival order and hold whole chunks, so reading them back in order gives the
    // recording as delivered.
    let waiting: Array<{ chunk: Blob; done: () => void; failed: (err: unknown) => void }> = [];
    let writing = false;
    const drain = async (): Promise<void> => {
      writing = true;
      while (waiting.length) {
        const batch = waiting;
        waiting = [];
        try {
          const handle = await dir.getFileHandle(chunkName(files + 1), { create: true });
          await writeParts(handle, batch.map((w) => w.chunk));
          files += 1;
          chunks += batch.length;
          bytes += batch.reduce((n, w) => n + w.chunk.size, 0);
          for (const w of batch) w.done();
        } catch (err) {
          // The caller sees the rejection; later chunks still try (and reuse the number).
          for (const w of batch) w.failed(err);
        }
      }
      writing = false;
    };
    return {
      get bytes() {
        return bytes;
      },
      get chunks() {
        return chunks;
      },
      append(chunk: Blob): Promise<void> {
        if (chunk.size === 0) return Promise.resolve();
        const stored = new Promise<void>((done, failed) => waiting.push({ chunk, done, failed }));
        if (!writing) void drain();
        return stored;
      },
    };
  }

  async list(): Promise<RecordingMeta[]> {
    const root = await this.#root;
    const ids = await collect(root.keys());
    const metas = await Promise.all(ids.map((id) => this.get(id)));
    return metas.filter((m): m is RecordingMeta => m !== null).sort((a, b) => b.startedAt - a.startedAt);
  }

  async get(id: string): Promise<RecordingMeta | null> {
    try {
      const dir = await this.#dir(id);
      const file = await (await dir.getFileHandle(META)).getFile();
      const meta = JSON.parse(await file.text()) as RecordingMeta;
      return meta && meta.id === id ? meta : null;
    } catch {
      // Missing or half-written metadata: not a recording we can show.
      return null;
    }
  }

  async updateMeta(id: string, patch: Partial<Omit<RecordingMeta, 'id'>>): Promise<RecordingMeta> {
    const current = await this.get(id);
    if (!current) throw new RecordingError('FINALIZE_FAILED', `Recording ${id} not found`);
    const next = { ...current, ...patch, id };
    await this.#writeMeta(await this.#dir(id), next);
    return next;
  }

  async #chunkNames(dir: DirHandleLike): Promise<string[]> {
    return (await collect(dir.keys())).filter((k) => CHUNK_RE.test(k)).sort();
  }

  async readChunks(id: string): Promise<Blob> {
    const dir = await this.#dir(id);
    const meta = await this.get(id);
    const names = await this.#chunkNames(dir);
    const files = await Promise.all(names.map(async (n) => (await dir.getFileHandle(n)).getFile()));
    return new Blob(files, { type: meta?.mimeType ?? '' });
  }

  async writeFinal(id: string, parts: ReadonlyArray<Blob | ArrayBuffer | Uint8Array>): Promise<number> {
    const dir = await this.#dir(id);
    const meta = await this.get(id);
    const ext = meta && /mp4/i.test(meta.mimeType) ? 'mp4' : 'webm';
    return writeParts(await dir.getFileHandle(`${FINAL_PREFIX}${ext}`, { create: true }), parts);
  }

  async readFinal(id: string): Promise<Blob | null> {
    const dir = await this.#dir(id);
    const name = (await collect(dir.keys())).find((k) => k.startsWith(FINAL_PREFIX) && !k.endsWith('.crswap'));
    if (!name) return null;
    const meta = await this.get(id);
    const file = await (await dir.getFileHandle(name)).getFile();
    // Re-type: OPFS files carry no MIME type, the <video> element wants one.
    return file.slice(0, file.size, meta?.mimeType.split(';')[0] ?? '');
  }

  async dropChunks(id: string): Promise<void> {
    const dir = await this.#dir(id);
    for (const name of await this.#chunkNames(dir)) await dir.removeEntry(name);
  }

  async remove(id: string): Promise<void> {
    await (await this.#root).removeEntry(id, { recursive: true });
  }
}
