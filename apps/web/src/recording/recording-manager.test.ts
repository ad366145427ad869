import { describe, expect, it, vi } from 'vitest';
import { MemoryRecordingStore } from './memory-store.js';
import { RecordingManager } from './recording-manager.js';
import { FakeRecorder } from '../../test/recording/fake-recorder.js';
import { fakeLocks } from '../../test/recording/fake-locks.js';
import type { RecordingMeta } from './types.js';
import { holdRecordingLock } from './recovery.js';
import { liveWebm, useBrowserBuffer } from '../../test/recording/browser-buffer.js';

useBrowserBuffer();
const WEBM = liveWebm();
/** Real MediaRecorder output, cut in two: "A" is the start, "END" the rest. */
const PARTS: Record<string, Uint8Array<ArrayBuffer>> = { A: WEBM.slice(0, 7000), END: WEBM.slice(7000) };
const bytesOf = (text: string) => (PARTS[text] ?? new TextEncoder().encode(text)) as Uint8Array<ArrayBuffer>;



const stream = { getAudioTracks: () => [] } as unknown as MediaStream;
const quiet = () => vi.spyOn(console, 'warn').mockImplementation(() => undefined);

function setup() {
  const store = new MemoryRecordingStore();
  const locks = fakeLocks();
  const recorders: FakeRecorder[] = [];
  const manager = new RecordingManager({
    store,
    locks,
    isTypeSupported: (t) => t.startsWith('video/webm'),
    createRecorder: () => {
      const r = new FakeRecorder({ finalChunk: 'END', bytesOf });
      recorders.push(r);
      return r;
    },
  });
  const finished: RecordingMeta[] = [];
  manager.on('finished', (m) => finished.push(m));
  return { store, locks, recorders, manager, finished };
}

describe('RecordingManager', () => {
  it('Stop and the track ending at once finish one file, clean up once, release the lock', async () => {
    const warn = quiet();
    const { manager, recorders, finished, locks } = setup();
    const cleanup = vi.fn(async () => undefined);
    await manager.record('screen', 'room-1', stream, cleanup);
    expect(manager.active).toMatchObject({ kind: 'screen', state: 'recording', mimeType: 'video/webm;codecs=vp9' });
    expect(locks.held.size).toBe(1);
    recorders[0]!.chunk('A');
    const [a, b] = await Promise.all([manager.stop(), manager.stop()]);
    expect(a).toBe(b);
    expect(a).toMatchObject({ state: 'done', room: 'room-1', seekable: true });
    expect(a!.durationMs).toBeGreaterThan(1900);
    expect(cleanup).toHaveBeenCalledTimes(1);
    expect(finished).toHaveLength(1);
    expect(manager.active).toBeNull();
    expect(locks.held.size).toBe(0);
    warn.mockRestore();
  });

  it('finishes by itself when the browser stops the recorder', async () => {
    const warn = quiet();
    const { manager, recorders, finished } = setup();
    await manager.record('meeting', 'r', stream, async () => undefined);
    recorders[0]!.chunk('A');
    recorders[0]!.stop();
    await vi.waitFor(() => expect(finished).toHaveLength(1));
    expect(manager.active).toBeNull();
    warn.mockRestore();
  });

  it('refuses a second recording and deleting the running one', async () => {
    const { manager } = setup();
    await manager.record('screen', null, stream, async () => undefined);
    await expect(manager.record('screen', null, stream, async () => undefined)).rejects.toMatchObject({
      code: 'ALREADY_RECORDING',
    });
    await expect(manager.remove(manager.active!.id)).rejects.toMatchObject({ code: 'ALREADY_RECORDING' });
  });

  it('reports UNSUPPORTED when no format can be recorded', async () => {
    const store = new MemoryRecordingStore();
    const manager = new RecordingManager({ store, locks: fakeLocks(), isTypeSupported: () => false });
    await expect(manager.record('screen', null, stream, async () => undefined)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    expect(await store.list()).toEqual([]);
  });

  it('offers an abandoned recording and recovers it', async () => {
    const warn = quiet();
    const { manager, store, finished } = setup();
    const writer = await store.create(abandoned('old'));
    await writer.append(new Blob([WEBM.slice(0, 1)]));
    await writer.append(new Blob([WEBM.slice(1)]));
    const offers = await manager.findRecoverable();
    expect(offers.map((o) => [o.meta.id, o.usable])).toEqual([['old', true]]);
    const done = await manager.recover('old');
    expect(done).toMatchObject({ state: 'done', seekable: true });
    expect(finished.map((m) => m.id)).toEqual(['old']);
    expect(await manager.findRecoverable()).toEqual([]);
    const file = await manager.file('old');
    expect(new Uint8Array(await file!.slice(0, 4).arrayBuffer())).toEqual(new Uint8Array([0x1a, 0x45, 0xdf, 0xa3]));
    warn.mockRestore();
  });

  it('reports a recording interrupted before anything playable was saved, and never makes a file of it', async () => {
    const { manager, store } = setup();
    const writer = await store.create(abandoned('cut'));
    await writer.append(new Blob([WEBM.slice(0, 1)])); // MediaRecorder's one-byte first chunk
    expect((await manager.findRecoverable()).map((o) => [o.meta.id, o.rawBytes, o.usable])).toEqual([['cut', 1, false]]);
    await expect(manager.recover('cut')).rejects.toMatchObject({ code: 'NOTHING_SAVED' });
    expect(await store.get('cut')).toBeNull();
  });

  it('offers a recording whose page was still going away during the scan, once that page lets go', async () => {
    const warn = quiet();
    const { manager, store, locks } = setup();
    const writer = await store.create(abandoned('dying'));
    const releaseDyingPage = await holdRecordingLock(locks, 'dying');
    await writer.append(new Blob([WEBM]));
    const unlocked: string[] = [];
    manager.on('unlocked', (id) => unlocked.push(id));
    expect(await manager.findRecoverable()).toEqual([]);
    releaseDyingPage();
    await vi.waitFor(() => expect(unlocked).toEqual(['dying']));
    expect((await manager.findRecoverable()).map((o) => o.meta.id)).toEqual(['dying']);
    warn.mockRestore();
  });

  it('two pages recovering the same recording at once finalize it once', async () => {
    const warn = quiet();
    const { manager, store, locks, finished } = setup();
    const other = new RecordingManager({ store, locks });
    const writer = await store.create(abandoned('twice'));
    await writer.append(new Blob([WEBM]));
    const [a, b] = await Promise.all([manager.recover('twice'), other.recover('twice')]);
    expect(a.state).toBe('done');
    expect(b).toEqual(a);
    expect(finished).toHaveLength(1);
    expect((await manager.file('twice'))!.size).toBe(a.bytes);
    warn.mockRestore();
  });
});

function abandoned(id: string): RecordingMeta {
  return {
    id, kind: 'screen', room: 'r', startedAt: 1, mimeType: 'video/webm;codecs=vp8,opus',
    state: 'recording', bytes: 0, durationMs: null, seekable: false,
  };
}
