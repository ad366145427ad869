import { describe, expect, it } from 'vitest';
import { fakeChunkWorker } from '../../test/recording/fake-chunk-worker.js';
import { FakeDir } from '../../test/recording/fake-opfs.js';
import { MemoryRecordingStore } from './memory-store.js';
import { OpfsRecordingStore } from './opfs-store.js';
import type { RecordingMeta, RecordingStore } from './types.js';

const meta = (id: string, startedAt = 1000): RecordingMeta => ({
  id,
  kind: 'screen',
  room: 'r',
  startedAt,
  mimeType: 'video/webm;codecs=vp8,opus',
  state: 'recording',
  bytes: 0,
  durationMs: null,
  seekable: false,
});
const text = async (b: Blob | null) => (b ? new TextDecoder().decode(await b.arrayBuffer()) : null);

const withWorker = (): RecordingStore => {
  const root = new FakeDir();
  return new OpfsRecordingStore(root, { createChunkWorker: () => fakeChunkWorker(root) });
};

// One contract, three stores: the memory fallback and the page-side OPFS writer must
// behave like the worker writer for the UI.
describe.each([
  ['opfs, worker writer', withWorker],
  ['opfs, page writer', () => new OpfsRecordingStore(new FakeDir()) as RecordingStore],
  ['memory', () => new MemoryRecordingStore() as RecordingStore],
])('%s store contract', (_name, make) => {
  it('appends chunks in order and reads them back as one blob', async () => {
    const store = make();
    const w = await store.create(meta('a'));
    // Not awaited one by one: order must still hold.
    await Promise.all(['one-', 'two-', 'three'].map((s) => w.append(new Blob([s]))));
    await w.append(new Blob([])); // empty chunks are ignored
    expect(w.chunks).toBe(3);
    expect(w.bytes).toBe(13);
    expect(await text(await store.readChunks('a'))).toBe('one-two-three');
  });

  it('lists newest first, updates metadata, writes and reads the final file', async () => {
    const store = make();
    await store.create(meta('old', 1));
    await store.create(meta('new', 2));
    expect((await store.list()).map((m) => m.id)).toEqual(['new', 'old']);
    const updated = await store.updateMeta('old', { state: 'done', durationMs: 1234 });
    expect(updated).toMatchObject({ id: 'old', state: 'done', durationMs: 1234 });
    expect((await store.get('old'))?.durationMs).toBe(1234);
    expect(await store.readFinal('old')).toBeNull();
    const n = await store.writeFinal('old', [new TextEncoder().encode('HEAD'), new Blob(['BODY'])]);
    expect(n).toBe(8);
    expect(await text(await store.readFinal('old'))).toBe('HEADBODY');
  });

  it('drops chunks and removes recordings', async () => {
    const store = make();
    const w = await store.create(meta('x'));
    await w.append(new Blob(['data']));
    await w.close?.(); // as the recorder does before finalizing
    await store.dropChunks('x');
    expect((await store.readChunks('x')).size).toBe(0);
    await store.remove('x');
    expect(await store.get('x')).toBeNull();
    expect(await store.list()).toEqual([]);
  });
});

describe('OPFS store crash safety', () => {
  it('keeps every chunk that was appended, even if the page dies right after', async () => {
    const root = new FakeDir();
    const w = await new OpfsRecordingStore(root).create(meta('crash'));
    await w.append(new Blob(['aaa']));
    await w.append(new Blob(['bbb']));
    // "Reload": a new store over the same OPFS root sees both chunks and the metadata.
    const reopened = new OpfsRecordingStore(root);
    expect((await reopened.get('crash'))?.state).toBe('recording');
    expect(await text(await reopened.readChunks('crash'))).toBe('aaabbb');
  });

  it('reads only acknowledged chunks when the page died mid-write (swap file left behind)', async () => {
    const root = new FakeDir();
    const w = await new OpfsRecordingStore(root).create(meta('mid'));
    await w.append(new Blob(['aaa']));
    await w.append(new Blob(['bbb']));
    // The page dies while the third chunk is being written: Chromium has created the
    // (empty) chunk file and its `.crswap` swap file holding part of the chunk.
    const dir = await (await root.getDirectoryHandle('recordings')).getDirectoryHandle('mid');
    const third = await dir.getFileHandle('chunk-00000003.bin', { create: true });
    const writable = await third.createWritable();
    await writable.write(new TextEncoder().encode('cc'));
    expect([...dir.entries.keys()]).toContain('chunk-00000003.bin.crswap');
    // Reload: the recovered data is exactly the two chunks whose append resolved.
    expect(await text(await new OpfsRecordingStore(root).readChunks('mid'))).toBe('aaabbb');
  });

  it('keeps up when file writes are slower than the recorder: waiting chunks go into one file', async () => {
    const root = new FakeDir();
    const w = await new OpfsRecordingStore(root).create(meta('slow'));
    const dir = await (await root.getDirectoryHandle('recordings')).getDirectoryHandle('slow');
    // Every file write takes a while (a loaded machine), while chunks keep arriving.
    const getFileHandle = dir.getFileHandle.bind(dir);
    dir.getFileHandle = async (name, options) => {
      await new Promise((r) => setTimeout(r, 20));
      return getFileHandle(name, options);
    };
    const acked: number[] = [];
    const appends = Array.from({ length: 10 }, (_, i) => w.append(new Blob([`${i},`])).then(() => acked.push(i)));
    await Promise.all(appends);
    expect(acked).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(w.chunks).toBe(10);
    const files = [...dir.entries.keys()].filter((k) => k.startsWith('chunk-'));
    expect(files.length).toBeLessThanOrEqual(3); // the first chunk alone, then the backlog at once
    expect(await text(await new OpfsRecordingStore(root).readChunks('slow'))).toBe('0,1,2,3,4,5,6,7,8,9,');
  });

  it('never leaves a writer open between chunks (Chromium commits only on close)', async () => {
    const root = new FakeDir();
    const w = await new OpfsRecordingStore(root).create(meta('open'));
    await w.append(new Blob(['x']));
    const dir = await (await root.getDirectoryHandle('recordings')).getDirectoryHandle('open');
    for (const entry of dir.entries.values()) expect((entry as { openWriters?: number }).openWriters ?? 0).toBe(0);
  });

  it('skips entries whose metadata is missing or corrupt', async () => {
    const root = new FakeDir();
    const store = new OpfsRecordingStore(root);
    await store.create(meta('good'));
    const recordings = await root.getDirectoryHandle('recordings');
    await recordings.getDirectoryHandle('junk', { create: true });
    const bad = await (await recordings.getDirectoryHandle('bad', { create: true })).getFileHandle('meta.json', {
      create: true,
    });
    const wr = await bad.createWritable();
    await wr.write(new TextEncoder().encode('{not json'));
    await wr.close();
    expect((await store.list()).map((m) => m.id)).toEqual(['good']);
  });
});
