/**
 * A chunk-writer "worker" for unit tests: the real worker code (`serveChunkFile`) runs in
 * this process on a fake OPFS, and messages cross with `structuredClone` (transferred
 * buffers are detached, as with a real Worker), delivered asynchronously in order.
 */
import { serveChunkFile, type ChunkWorkerReply, type ChunkWorkerRequest } from '../../src/recording/chunk-file-worker-core.js';
import type { LocksLike } from '../../src/recording/recovery.js';
import type { ChunkWorkerLike } from '../../src/recording/sync-chunk-writer.js';
import type { FakeDir } from './fake-opfs.js';

/** A fake worker and what the test can do to it. */
export interface FakeChunkWorker extends ChunkWorkerLike {
  /** `terminate()` was called. */
  terminated: boolean;
  /** Messages the page posted, in order. */
  sent: ChunkWorkerRequest[];
  /** The worker dies now, as with its page (messages stop both ways, files stay as written). */
  kill(): void;
}

type Listener = (event: { data: ChunkWorkerReply }) => void;

/**
 * @param root - the fake OPFS root the worker writes to.
 * @param options.failToStart - the script never loads: an `error` event instead of any reply.
 */
export function fakeChunkWorker(root: FakeDir, locks?: LocksLike, options: { failToStart?: boolean } = {}): FakeChunkWorker {
  const toWorker = new Set<(event: { data: ChunkWorkerRequest }) => void>();
  const toPage = new Set<Listener>();
  const errorListeners = new Set<(event: unknown) => void>();
  let alive = true;
  const later = (fn: () => void): void => void setTimeout(() => alive && fn(), 0);
  if (!options.failToStart) {
    serveChunkFile(
      {
        postMessage: (m) => later(() => toPage.forEach((l) => l({ data: structuredClone(m) }))),
        addEventListener: (_t, l) => toWorker.add(l),
      },
      async () => root,
      locks,
    );
  }
  const worker: FakeChunkWorker = {
    terminated: false,
    sent: [],
    postMessage(message, transfer) {
      if (!alive) return;
      worker.sent.push(message);
      const copy = structuredClone(message, { transfer: transfer ?? [] });
      if (options.failToStart) later(() => errorListeners.forEach((l) => l(new Event('error'))));
      else later(() => toWorker.forEach((l) => l({ data: copy })));
    },
    addEventListener(type: 'message' | 'error', listener: Listener | ((event: unknown) => void)) {
      if (type === 'message') toPage.add(listener as Listener);
      else errorListeners.add(listener as (event: unknown) => void);
    },
    terminate() {
      worker.terminated = true;
      alive = false;
    },
    kill() {
      alive = false;
    },
  };
  return worker;
}
