/**
 * An in-memory stand-in for the OPFS handles used by {@link OpfsRecordingStore}, for
 * unit tests in Node. It mimics what matters for crash safety, as Chromium does it:
 * writes go to a swap file and become visible only on `close()`; while a writable is
 * open, its swap file `<name>.crswap` is listed beside the file with the bytes written
 * so far (and stays there if the page dies before closing it). A sync access handle
 * (`createSyncAccessHandle`, as a worker opens it) is exclusive and writes in place:
 * its bytes are in the file as soon as `write` returns. `FakeDir({ syncHandles: false })`
 * makes files without it, like a browser that has none.
 */
import type { SyncAccessHandleLike } from '../../src/recording/chunk-file-worker-core.js';
import type { DirHandleLike, FileHandleLike, WritableLike } from '../../src/recording/opfs-store.js';

/** Options of a {@link FakeDir} tree. */
export interface FakeOpfsOptions {
  /** Files offer `createSyncAccessHandle`. @default true */
  syncHandles?: boolean;
}

/** A fake file: committed bytes only. */
export class FakeFile implements FileHandleLike {
  data: Uint8Array = new Uint8Array(0);
  openWriters = 0;
  /** A sync access handle is open on this file. */
  syncOpen = false;
  /** Bytes written through the sync handle since its last `flush()`. */
  unflushed = 0;
  /** When set, sync-handle writes throw a DOMException with this name (e.g. a full disk). */
  failWrites: string | null = null;
  declare createSyncAccessHandle?: () => Promise<SyncAccessHandleLike>;
  constructor(
    readonly name: string,
    readonly parent: FakeDir | null = null,
  ) {
    if (parent?.options.syncHandles !== false) this.createSyncAccessHandle = () => this.#openSync();
  }

  async #openSync(): Promise<SyncAccessHandleLike> {
    if (this.syncOpen || this.openWriters > 0) throw new DOMException(`${this.name} is locked`, 'NoModificationAllowedError');
    this.syncOpen = true;
    let open = true;
    const check = (): void => {
      if (!open) throw new DOMException('the access handle is closed', 'InvalidStateError');
    };
    return {
      write: (buffer, options) => {
        check();
        if (this.failWrites) throw new DOMException('write failed', this.failWrites);
        const src = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
        const at = options?.at ?? 0;
        if (at + src.byteLength > this.data.byteLength) {
          const grown = new Uint8Array(at + src.byteLength);
          grown.set(this.data);
          this.data = grown;
        }
        this.data.set(src, at);
        this.unflushed += src.byteLength;
        return src.byteLength;
      },
      flush: () => {
        check();
        this.unflushed = 0;
      },
      getSize: () => {
        check();
        return this.data.byteLength;
      },
      truncate: (size) => {
        check();
        this.data = this.data.slice(0, size);
      },
      close: () => {
        if (open) this.syncOpen = false;
        open = false;
      },
    };
  }

  async getFile(): Promise<File> {
    return new File([this.data as Uint8Array<ArrayBuffer>], this.name);
  }

  async createWritable(options?: { keepExistingData?: boolean }): Promise<WritableLike> {
    const parts: Uint8Array[] = options?.keepExistingData ? [this.data] : [];
    this.openWriters += 1;
    let open = true;
    const swapName = `${this.name}.crswap`;
    const swap = new FakeFile(swapName, this.parent);
    this.parent?.entries.set(swapName, swap);
    const joined = (): Uint8Array => {
      const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.byteLength;
      }
      return out;
    };
    const done = (): void => {
      open = false;
      this.openWriters -= 1;
      if (this.parent?.entries.get(swapName) === swap) this.parent.entries.delete(swapName);
    };
    return {
      write: async (chunk) => {
        if (!open) throw new TypeError('closed');
        if (chunk instanceof Blob) parts.push(new Uint8Array(await chunk.arrayBuffer()));
        else if (chunk instanceof ArrayBuffer) parts.push(new Uint8Array(chunk.slice(0)));
        else parts.push(new Uint8Array(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength)));
        swap.data = joined();
      },
      close: async () => {
        if (!open) throw new TypeError('closed');
        this.data = joined();
        done();
      },
      abort: async () => {
        if (open) done();
      },
    };
  }
}

/** A fake directory. */
export class FakeDir implements DirHandleLike {
  readonly entries = new Map<string, FakeDir | FakeFile>();
  constructor(
    readonly name = '',
    readonly options: FakeOpfsOptions = {},
  ) {}

  async getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<FakeDir> {
    const e = this.entries.get(name);
    if (e instanceof FakeDir) return e;
    if (e) throw new DOMException('not a directory', 'TypeMismatchError');
    if (!options?.create) throw new DOMException(`${name} not found`, 'NotFoundError');
    const d = new FakeDir(name, this.options);
    this.entries.set(name, d);
    return d;
  }

  async getFileHandle(name: string, options?: { create?: boolean }): Promise<FakeFile> {
    const e = this.entries.get(name);
    if (e instanceof FakeFile) return e;
    if (e) throw new DOMException('not a file', 'TypeMismatchError');
    if (!options?.create) throw new DOMException(`${name} not found`, 'NotFoundError');
    const f = new FakeFile(name, this);
    this.entries.set(name, f);
    return f;
  }

  async removeEntry(name: string, options?: { recursive?: boolean }): Promise<void> {
    const e = this.entries.get(name);
    if (!e) throw new DOMException(`${name} not found`, 'NotFoundError');
    if (e instanceof FakeFile && e.syncOpen) throw new DOMException(`${name} is locked`, 'NoModificationAllowedError');
    if (e instanceof FakeDir && e.entries.size > 0 && !options?.recursive) {
      throw new DOMException('directory not empty', 'InvalidModificationError');
    }
    this.entries.delete(name);
  }

  async *keys(): AsyncIterable<string> {
    // Files created (by createWritable) but never closed exist with no data, as in OPFS.
    yield* [...this.entries.keys()];
  }
}
