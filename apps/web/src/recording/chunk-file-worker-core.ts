/**
 * The worker half of the chunk writer (see ./sync-chunk-writer for the page half): it
 * appends a recording's chunks in place to one OPFS file through a
 * `FileSystemSyncAccessHandle`, which only dedicated workers can open.
 *
 * Why: the page-side writer (`createWritable()`) writes each chunk to a swap file that
 * replaces the real file only on `close()`, a chain of browser round trips that took
 * hundreds of milliseconds per chunk on a loaded machine; a reload in that window lost
 * the chunk. A sync access handle writes straight into the file (no swap file); once
 * `write()` returned the bytes are in the file, and `flush()` asks the OS to persist
 * them. A chunk is acknowledged only after both.
 *
 * Invariants:
 * - writes are applied in the order received, at the running end of the file;
 * - a chunk is acknowledged (`written`) only once all its bytes were written and flushed;
 *   a page killed in between leaves at most a prefix of that one chunk after the
 *   acknowledged ones (a recording cut mid-chunk, which finalizing already trims to the
 *   last complete element);
 * - while the file is open this worker holds the Web Lock named in `open` (the page
 *   passes `writerLockName(id)` of ./recovery), so recovery in another page waits until
 *   this worker is gone before it reads the file.
 */
import type { LocksLike } from './recovery.js';

/** The subset of `FileSystemDirectoryHandle` the worker uses (the OPFS store's own is wider). */
export interface WorkerDirLike {
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<WorkerDirLike>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<unknown>;
}

/** The subset of `FileSystemSyncAccessHandle` used here. */
export interface SyncAccessHandleLike {
  write(buffer: ArrayBuffer | ArrayBufferView, options?: { at?: number }): number;
  flush(): void;
  getSize(): number;
  truncate(size: number): void;
  close(): void;
}

/** A file handle that may open a sync access handle (only in a dedicated worker). */
export interface SyncFileHandleLike {
  createSyncAccessHandle?: () => Promise<SyncAccessHandleLike>;
}

/** Page → worker messages. */
export type ChunkWorkerRequest =
  /** Open `recordings/<id>/<file>` for appending, holding the Web Lock `lock` meanwhile. */
  | { type: 'open'; id: string; file: string; lock: string }
  | { type: 'write'; seq: number; data: ArrayBuffer }
  | { type: 'close' };

/** Worker → page messages. */
export type ChunkWorkerReply =
  | { type: 'opened' }
  | { type: 'unsupported'; message: string }
  | { type: 'written'; seq: number; bytes: number }
  /** `name` is the DOMException name (`QuotaExceededError` when storage is full). */
  | { type: 'failed'; seq: number; name: string; message: string }
  | { type: 'closed' };

/** The worker's side of a message channel (the worker global, or a fake). */
export interface ReplyPort {
  postMessage(message: ChunkWorkerReply): void;
  addEventListener(type: 'message', listener: (event: { data: ChunkWorkerRequest }) => void): void;
}

const message = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));
const errorName = (err: unknown): string => (err as { name?: string } | null)?.name ?? 'Error';

/**
 * Serve one recording's chunk file on `port`.
 *
 * @param getRoot - the OPFS root (`navigator.storage.getDirectory()` in the worker).
 * @param locks - Web Locks of the worker (`navigator.locks`); none: no lock is held.
 */
export function serveChunkFile(port: ReplyPort, getRoot: () => Promise<WorkerDirLike>, locks: LocksLike | undefined): void {
  let handle: SyncAccessHandleLike | null = null;
  let end = 0;
  let releaseLock: () => void = () => undefined;
  // Messages are handled one after the other: `open` is asynchronous, writes are not.
  let queue: Promise<void> = Promise.resolve();

  const open = async (id: string, file: string, lock: string): Promise<void> => {
    try {
      if (locks) {
        await new Promise<void>((held) => {
          void locks.request(lock, () => {
            held();
            return new Promise<void>((release) => (releaseLock = release));
          });
        });
      }
      const dir = await (await (await getRoot()).getDirectoryHandle('recordings')).getDirectoryHandle(id);
      const fileHandle = (await dir.getFileHandle(file, { create: true })) as SyncFileHandleLike;
      if (typeof fileHandle.createSyncAccessHandle !== 'function') throw new Error('createSyncAccessHandle is not available');
      handle = await fileHandle.createSyncAccessHandle();
      end = handle.getSize();
      // Early implementations (Chromium < 108) returned promises from these methods:
      // writes could not be confirmed synchronously, so use the page-side writer there.
      if (typeof end !== 'number') {
        const stale = handle;
        handle = null;
        await Promise.resolve(stale.close()).catch(() => undefined);
        throw new Error('this sync access handle is asynchronous');
      }
      port.postMessage({ type: 'opened' });
    } catch (err) {
      releaseLock();
      port.postMessage({ type: 'unsupported', message: message(err) });
    }
  };

  const write = (seq: number, data: ArrayBuffer): void => {
    try {
      if (!handle) throw new Error('the chunk file is not open');
      let done = 0;
      // A short write (disk full, quota) is an error, not something to retry forever.
      while (done < data.byteLength) {
        const n = handle.write(new Uint8Array(data, done), { at: end + done });
        if (n <= 0) throw new DOMException('The chunk could not be written (storage full?)', 'QuotaExceededError');
        done += n;
      }
      handle.flush();
      end += done;
      port.postMessage({ type: 'written', seq, bytes: done });
    } catch (err) {
      // Drop what part of this chunk made it, so the file ends with acknowledged chunks.
      try {
        handle?.truncate(end);
      } catch {
        // The next write starts at `end` anyway.
      }
      port.postMessage({ type: 'failed', seq, name: errorName(err), message: message(err) });
    }
  };

  const close = (): void => {
    try {
      handle?.flush();
      handle?.close();
    } finally {
      handle = null;
      releaseLock();
      port.postMessage({ type: 'closed' });
    }
  };

  port.addEventListener('message', ({ data }) => {
    queue = queue.then(async () => {
      if (data.type === 'open') await open(data.id, data.file, data.lock);
      else if (data.type === 'write') write(data.seq, data.data);
      else if (data.type === 'close') close();
    });
  });
}
