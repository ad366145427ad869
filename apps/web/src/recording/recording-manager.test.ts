import { describe, expect, it, vi } from 'vitest';
import { MemoryRecordingStore } from './memory-store.js';
import { RecordingManager } from './recording-manager.js';
import type { MediaRecorderLike } from './recorder.js';
import { fakeLocks } from './fake-locks.js';
import type { RecordingMeta } from './types.js';

/** MediaRecorder fake following the spec's order: final dataavailable, then stop. */
class FakeRecorder extends EventTarget implements MediaRecorderLike {
  state: 'inactive' | 'recording' | 'paused' = 'inactive';
  start() {
    this.state = 'recording';
  }
  chunk(text: string) {
    const ev = new Event('dataavailable') as Event & { data: Blob };
    ev.data = new Blob([text]);
    this.dispatchEvent(ev);
  }
  stop() {
    if (this.state === 'inactive') throw new DOMException('inactive', 'InvalidStateError');
    this.state = 'inactive';
    setTimeout(() => {
      this.chunk('END');
      this.dispatchEvent(new Event('stop'));
    }, 0);
  }
  pause() {}
  resume() {}
}


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
      const r = new FakeRecorder();
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
    expect(a).toMatchObject({ state: 'done', room: 'room-1', bytes: 4 }); // "A" + "END", raw (not a real WebM)
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
    recorders[0]!.chunk('x');
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
    const writer = await store.create({
      id: 'old', kind: 'screen', room: 'r', startedAt: 1, mimeType: 'video/webm',
      state: 'recording', bytes: 0, durationMs: null, seekable: false,
    });
    await writer.append(new Blob(['data']));
    const offers = await manager.findRecoverable();
    expect(offers.map((o) => o.meta.id)).toEqual(['old']);
    const done = await manager.recover('old');
    expect(done.state).toBe('done');
    expect(finished.map((m) => m.id)).toEqual(['old']);
    expect(await manager.findRecoverable()).toEqual([]);
    expect(await (await manager.file('old'))!.text()).toBe('data');
    warn.mockRestore();
  });
});
