import { describe, expect, it } from 'vitest';
import { fakeChunkWorker } from '../../test/recording/fake-chunk-worker.js';
import { fakeLocks } from '../../test/recording/fake-locks.js';
import { FakeDir, FakeFile } from '../../test/recording/fake-opfs.js';
import { OpfsRecordingStore } from './opfs-store.js';
import { holdRecordingLock, scanForRecovery, writerLockName } from './recovery.js';
import type { RecordingMeta } from './types.js';

const meta = (id: string): RecordingMeta => ({
  id,
  kind: 'screen',
  room: null,
  startedAt: 1,
  mimeType: 'video/webm;codecs=vp8,opus',
  state: 'recording',
  bytes: 0,
  durationMs: null,
  seekable: false,
});
const text = async (b: Blob) => new TextDecoder().decode(await b.arrayBuffer());
const recDir = async (root: FakeDir, id: string) => (await root.getDirectoryHandle('recordings')).getDirectoryHandle(id);
const chunkFiles = (dir: FakeDir) => [...dir.entries.keys()].filter((k) => k.startsWith('chunk-')).sort();

describe('worker chunk writer (sync access handle)', () => {
  it('appends every chunk in place to one file and acknowledges it only once flushed', async () => {
    const root = new FakeDir();
    const worker = fakeChunkWorker(root);
    const w = await new OpfsRecordingStore(root, { createChunkWorker: () => worker }).create(meta('a'));
    const dir = await recDir(root, 'a');
    const file = dir.entries.get('chunk-00000001.bin') as FakeFile;
    const seenAtAck: Array<{ chunk: number; complete: boolean; unflushed: number }> = [];
    const ends = [4, 8, 13];
    await Promise.all(
      ['one-', 'two-', 'three'].map((s, i) =>
        w.append(new Blob([s])).then(() => seenAtAck.push({ chunk: i, complete: file.data.byteLength >= ends[i]!, unflushed: file.unflushed })),
      ),
    );
    // In order, each acknowledged with all its bytes in the file and nothing left unflushed.
    expect(seenAtAck).toEqual([0, 1, 2].map((chunk) => ({ chunk, complete: true, unflushed: 0 })));
    expect(chunkFiles(dir)).toEqual(['chunk-00000001.bin']);
    expect(dir.entries.has('chunk-00000001.bin.crswap')).toBe(false);
    // The chunks crossed as buffers read in the page, not as Blobs (see the module comment).
    expect(worker.sent.filter((m) => m.type === 'write').every((m) => m.type === 'write' && m.data instanceof ArrayBuffer)).toBe(true);
    await w.close?.();
    expect(file.syncOpen).toBe(false);
    expect(worker.terminated).toBe(true);
    expect(await text(await new OpfsRecordingStore(root).readChunks('a'))).toBe('one-two-three');
  });

  it('keeps every acknowledged chunk when the page and its worker die without closing', async () => {
    const root = new FakeDir();
    const worker = fakeChunkWorker(root);
    const w = await new OpfsRecordingStore(root, { createChunkWorker: () => worker }).create(meta('crash'));
    await w.append(new Blob(['aaa']));
    await w.append(new Blob(['bbb']));
    const third = w.append(new Blob(['ccc']));
    worker.kill(); // dies before the third chunk reached the worker
    const reopened = new OpfsRecordingStore(root);
    expect((await reopened.get('crash'))?.state).toBe('recording');
    expect(await text(await reopened.readChunks('crash'))).toBe('aaabbb');
    void third.catch(() => undefined);
  });

  it('a failed write rejects that chunk with STORAGE_FULL and leaves the file at the acknowledged end', async () => {
    const root = new FakeDir();
    const w = await new OpfsRecordingStore(root, { createChunkWorker: () => fakeChunkWorker(root) }).create(meta('full'));
    const file = (await recDir(root, 'full')).entries.get('chunk-00000001.bin') as FakeFile;
    await w.append(new Blob(['ok-']));
    file.failWrites = 'QuotaExceededError';
    await expect(w.append(new Blob(['lost']))).rejects.toMatchObject({ code: 'STORAGE_FULL' });
    file.failWrites = null;
    await w.append(new Blob(['next']));
    expect(w.chunks).toBe(2);
    expect(w.bytes).toBe(7);
    await w.close?.();
    expect(await text(await new OpfsRecordingStore(root).readChunks('full'))).toBe('ok-next');
  });

  it('falls back to page-side files where sync access handles are missing, and ends the worker', async () => {
    const root = new FakeDir('', { syncHandles: false });
    const worker = fakeChunkWorker(root);
    const w = await new OpfsRecordingStore(root, { createChunkWorker: () => worker }).create(meta('old'));
    expect(worker.terminated).toBe(true);
    await w.append(new Blob(['x']));
    await w.append(new Blob(['y']));
    expect(chunkFiles(await recDir(root, 'old'))).toEqual(['chunk-00000001.bin', 'chunk-00000002.bin']);
    expect(await text(await new OpfsRecordingStore(root).readChunks('old'))).toBe('xy');
  });

  it('falls back to page-side files when the worker script fails to start', async () => {
    const root = new FakeDir();
    const worker = fakeChunkWorker(root, undefined, { failToStart: true });
    const w = await new OpfsRecordingStore(root, { createChunkWorker: () => worker }).create(meta('noworker'));
    expect(worker.terminated).toBe(true);
    await w.append(new Blob(['z']));
    expect(await text(await new OpfsRecordingStore(root).readChunks('noworker'))).toBe('z');
  });

  it('holds the writer lock while the file is open, so recovery elsewhere waits for the worker', async () => {
    const root = new FakeDir();
    const locks = fakeLocks();
    const store = new OpfsRecordingStore(root, { createChunkWorker: () => fakeChunkWorker(root, locks) });
    const w = await store.create(meta('busy'));
    await w.append(new Blob(['data']));
    expect(locks.held.has(writerLockName('busy'))).toBe(true);
    // Another page: the recording's page lock is free (its page is gone), its worker is not.
    expect((await scanForRecovery(new OpfsRecordingStore(root), locks)).locked).toEqual(['busy']);
    let recovering = false;
    const recovery = holdRecordingLock(locks, 'busy').then((release) => {
      recovering = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(recovering).toBe(false);
    await w.close?.();
    (await recovery)();
    expect(recovering).toBe(true);
    expect(locks.held.has(writerLockName('busy'))).toBe(false);
  });
});
