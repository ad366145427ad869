/**
 * Start the chunk-writer worker (./chunk-file-worker). Kept apart from the worker's code
 * so the page bundle holds only this line; Vite bundles the worker from the `new URL`.
 */
import type { ChunkWorkerLike } from './sync-chunk-writer.js';

/** A new chunk-writer worker, or null where workers cannot start (old browser, Node). */
export function createChunkWorker(): ChunkWorkerLike | null {
  if (typeof Worker === 'undefined') return null;
  try {
    return new Worker(new URL('./chunk-file-worker.ts', import.meta.url), { type: 'module', name: 'meshmeet-chunk-writer' });
  } catch (err) {
    console.info('[recording] chunk-writer worker unavailable; writing from the page', err);
    return null;
  }
}
