/**
 * An in-memory stand-in for the OPFS handles used by {@link OpfsRecordingStore}, for
 * unit tests in Node. It mimics what matters for crash safety, as Chromium does it:
 * writes go to a swap file and become visible only on `close()`; while a writable is
 * open, its swap file `<name>.crswap` is listed beside the file with the bytes written
 * so far (and stays there if the page dies before closing it).
 */
import type { DirHandleLike, FileHandleLike, WritableLike } from '../../src/recording/opfs-store.js';

/** A fake file: committed bytes only. */
export class FakeFile implements FileHandleLike {
  data: Uint8Array = new Uint8Array(0);
  openWriters = 0;
  constructor(
    readonly name: string,
    readonly parent: FakeDir | null = null,
  ) {}

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
  constructor(readonly name = '') {}

  async getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<FakeDir> {
    const e = this.entries.get(name);
    if (e instanceof FakeDir) return e;
    if (e) throw new DOMException('not a directory', 'TypeMismatchError');
    if (!options?.create) throw new DOMException(`${name} not found`, 'NotFoundError');
    const d = new FakeDir(name);
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
