/**
 * The page half of the worker chunk writer (the worker half, and why it exists, is in
 * ./chunk-file-worker-core): each chunk is read into an ArrayBuffer here and posted to
 * the worker, which appends it to the recording's file and answers once it is flushed.
 *
 * Why the page reads the Blob, and posts a copy rather than transferring the buffer:
 * Chromium keeps a MediaRecorder Blob's bytes alive until the page's garbage collector
 * drops the Blob object. Reading it leaves an ArrayBuffer of the chunk's size as garbage
 * in the page, which V8 counts as external memory and collects for, so the page's Blobs
 * are released as the recording goes (the page-side writer relies on the same effect,
 * see ./opfs-store and bench/recording). Posting the Blob would allocate nothing here,
 * and a transferred (detached) buffer may no longer count, leaving the Blobs waiting
 * for a collection. The copy is one memcpy of ~300 KB per second at 2.5 Mbit/s.
 *
 * Invariants: chunks reach the worker in `append` order (reads are chained); `append`
 * resolves only when the worker has written and flushed that chunk; `close()` resolves
 * once the worker released the file (finalizing and recovery read it afterwards).
 */
import { RecordingError } from './errors.js';
import type { ChunkWorkerReply, ChunkWorkerRequest } from './chunk-file-worker-core.js';
import { writerLockName } from './recovery.js';
import type { ChunkWriter } from './types.js';

/** The part of `Worker` used here (a fake in tests). */
export interface ChunkWorkerLike {
  postMessage(message: ChunkWorkerRequest, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: { data: ChunkWorkerReply }) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
  terminate(): void;
}

interface Pending {
  size: number;
  done: () => void;
  failed: (err: RecordingError) => void;
}

/**
 * Open the chunk file `file` of recording `id` in `worker`.
 *
 * @returns the writer, or null when the worker cannot write there (no sync access
 *   handles in this browser, the worker script failed to load): the caller then uses
 *   the page-side writer. The worker is terminated in that case.
 */
export async function openSyncChunkWriter(worker: ChunkWorkerLike, id: string, file: string): Promise<ChunkWriter | null> {
  const pending = new Map<number, Pending>();
  let onOpen: (ok: boolean, why?: string) => void = () => undefined;
  let onClosed: () => void = () => undefined;
  let broken: RecordingError | null = null;
  const failAll = (err: RecordingError): void => {
    broken ??= err;
    for (const p of pending.values()) p.failed(err);
    pending.clear();
  };
  let bytes = 0;
  let chunks = 0;
  worker.addEventListener('message', ({ data }) => {
    if (data.type === 'opened') onOpen(true);
    else if (data.type === 'unsupported') onOpen(false, data.message);
    else if (data.type === 'closed') onClosed();
    else {
      const p = pending.get(data.seq);
      if (!p) return;
      pending.delete(data.seq);
      if (data.type === 'written') {
        bytes += p.size;
        chunks += 1;
        p.done();
      } else {
        p.failed(RecordingError.fromStorage(Object.assign(new Error(data.message), { name: data.name })));
      }
    }
  });
  worker.addEventListener('error', (event) => {
    const err = new RecordingError('RECORDER_FAILED', 'The recording writer stopped working', { cause: event });
    onOpen(false, 'the worker failed to start');
    failAll(err);
    onClosed();
  });
  const opened = await new Promise<boolean>((resolve) => {
    onOpen = (ok, why) => {
      if (!ok && why) console.info(`[recording] no worker writer (${why}); writing from the page`);
      resolve(ok);
    };
    worker.postMessage({ type: 'open', id, file, lock: writerLockName(id) });
  });
  if (!opened) {
    worker.terminate();
    return null;
  }

  let seq = 0;
  let reads: Promise<unknown> = Promise.resolve();
  let closing: Promise<void> | null = null;
  return {
    get bytes() {
      return bytes;
    },
    get chunks() {
      return chunks;
    },
    append(chunk: Blob): Promise<void> {
      if (chunk.size === 0) return Promise.resolve();
      if (broken) return Promise.reject(broken);
      if (closing) return Promise.reject(new RecordingError('RECORDER_FAILED', 'The recording writer is closed'));
      const n = ++seq;
      const read = reads.then(() => chunk.arrayBuffer());
      reads = read.catch(() => undefined);
      return new Promise<void>((done, failed) => {
        pending.set(n, { size: chunk.size, done, failed });
        read.then(
          (data) => {
            if (pending.has(n)) worker.postMessage({ type: 'write', seq: n, data });
          },
          (err: unknown) => {
            pending.delete(n);
            failed(RecordingError.fromStorage(err));
          },
        );
      });
    },
    close(): Promise<void> {
      closing ??= (async () => {
        await reads;
        await new Promise<void>((resolve) => {
          onClosed = resolve;
          if (broken) resolve();
          else worker.postMessage({ type: 'close' });
        });
        worker.terminate();
      })();
      return closing;
    },
  };
}
