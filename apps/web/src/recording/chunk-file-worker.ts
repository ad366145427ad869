/**
 * Entry of the dedicated worker that appends recording chunks to OPFS through a sync
 * access handle (see ./chunk-file-worker-core). Started by ./create-chunk-worker.
 */
import { serveChunkFile, type ReplyPort, type WorkerDirLike } from './chunk-file-worker-core.js';
import type { LocksLike } from './recovery.js';

const nav = self.navigator as Navigator & { locks?: LocksLike };
serveChunkFile(
  self as unknown as ReplyPort,
  async () => (await nav.storage.getDirectory()) as unknown as WorkerDirLike,
  nav.locks,
);
