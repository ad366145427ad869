/**
 * Pick the recording store: OPFS where the browser has it, memory otherwise.
 */
import { MemoryRecordingStore } from './memory-store.js';
import { createChunkWorker } from './create-chunk-worker.js';
import { OpfsRecordingStore, type DirHandleLike } from './opfs-store.js';
import type { RecordingStore } from './types.js';

/** Storage usage of the origin, from `navigator.storage.estimate()`. */
export interface StorageEstimate {
  usage: number | null;
  quota: number | null;
}

/**
 * Open the OPFS store, or fall back to memory when OPFS is missing or refused
 * (old browsers, some private-browsing modes). `persistent` tells the UI to warn.
 */
export async function openRecordingStore(
  storage: Pick<StorageManager, 'getDirectory'> | undefined = globalThis.navigator?.storage,
): Promise<RecordingStore> {
  try {
    if (storage?.getDirectory) {
      const root = (await storage.getDirectory()) as unknown as DirHandleLike;
      const store = new OpfsRecordingStore(root, { createChunkWorker });
      await store.list(); // Fail here, not mid-recording, if OPFS is unusable.
      return store;
    }
  } catch (err) {
    console.warn('[recording] OPFS unavailable, keeping recordings in memory', err);
  }
  return new MemoryRecordingStore();
}

/** Storage used and available to this origin; nulls where the browser will not say. */
export async function estimateStorage(
  storage: Pick<StorageManager, 'estimate'> | undefined = globalThis.navigator?.storage,
): Promise<StorageEstimate> {
  try {
    const e = await storage?.estimate?.();
    return { usage: e?.usage ?? null, quota: e?.quota ?? null };
  } catch {
    return { usage: null, quota: null };
  }
}
