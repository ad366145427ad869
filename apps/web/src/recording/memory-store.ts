/**
 * In-memory {@link RecordingStore}: the fallback where OPFS is missing (old browsers,
 * some private modes). Chunks are Blobs in an array, so memory grows with the length
 * of the recording and everything is lost on reload; the UI warns about both.
 */
import { RecordingError } from './errors.js';
import type { ChunkWriter, RecordingMeta, RecordingStore } from './types.js';

interface Entry {
  meta: RecordingMeta;
  chunks: Blob[];
  final: Blob | null;
}

/** Memory-backed recording store. */
export class MemoryRecordingStore implements RecordingStore {
  readonly persistent = false;
  readonly #entries = new Map<string, Entry>();

  async create(meta: RecordingMeta): Promise<ChunkWriter> {
    const entry: Entry = { meta: { ...meta }, chunks: [], final: null };
    this.#entries.set(meta.id, entry);
    let bytes = 0;
    return {
      get bytes() {
        return bytes;
      },
      get chunks() {
        return entry.chunks.length;
      },
      async append(chunk: Blob) {
        if (chunk.size === 0) return;
        entry.chunks.push(chunk);
        bytes += chunk.size;
      },
    };
  }

  async list(): Promise<RecordingMeta[]> {
    return [...this.#entries.values()].map((e) => ({ ...e.meta })).sort((a, b) => b.startedAt - a.startedAt);
  }

  async get(id: string): Promise<RecordingMeta | null> {
    const e = this.#entries.get(id);
    return e ? { ...e.meta } : null;
  }

  #entry(id: string): Entry {
    const e = this.#entries.get(id);
    if (!e) throw new RecordingError('FINALIZE_FAILED', `Recording ${id} not found`);
    return e;
  }

  async updateMeta(id: string, patch: Partial<Omit<RecordingMeta, 'id'>>): Promise<RecordingMeta> {
    const e = this.#entry(id);
    e.meta = { ...e.meta, ...patch, id };
    return { ...e.meta };
  }

  async readChunks(id: string): Promise<Blob> {
    const e = this.#entry(id);
    return new Blob(e.chunks, { type: e.meta.mimeType });
  }

  async writeFinal(id: string, parts: ReadonlyArray<Blob | ArrayBuffer | Uint8Array>): Promise<number> {
    const e = this.#entry(id);
    e.final = new Blob(parts as BlobPart[], { type: e.meta.mimeType.split(';')[0] });
    return e.final.size;
  }

  async readFinal(id: string): Promise<Blob | null> {
    return this.#entry(id).final;
  }

  async dropChunks(id: string): Promise<void> {
    this.#entry(id).chunks = [];
  }

  async remove(id: string): Promise<void> {
    this.#entries.delete(id);
  }
}
