import { describe, expect, it } from 'vitest';
import { MemoryRecordingStore } from './memory-store.js';
import { RecordingManager } from './recording-manager.js';
import type { MediaRecorderLike } from './recorder.js';
import { fakeLocks } from '../../test/recording/fake-locks.js';
import { announceRecording, type RecordingNoticeOptions } from './recording-notice.js';
import { RecordingError } from './errors.js';

/** What happened, in order: notices published, acks received, recorders started. */
type Log = string[];

class LoggingRecorder extends EventTarget implements MediaRecorderLike {
  state: 'inactive' | 'recording' | 'paused' = 'inactive';
  constructor(private readonly log: Log) {
    super();
  }
  start() {
    this.log.push('recorder.start');
    this.state = 'recording';
  }
  stop() {
    this.state = 'inactive';
    setTimeout(() => this.dispatchEvent(new Event('stop')), 0);
  }
  pause() {}
  resume() {}
}

const stream = { getAudioTracks: () => [] } as unknown as MediaStream;

/** A server whose acknowledgements the test hands out one by one. */
function controlledRoom(log: Log) {
  const pending: { ack: () => void; lose: (err: Error) => void }[] = [];
  const publish = (recording: boolean) =>
    new Promise<void>((resolve, reject) => {
      log.push(`publish:${recording}`);
      pending.push({
        ack: () => {
          log.push('ack');
          resolve();
        },
        lose: reject,
      });
    });
  return { publish, pending };
}

function setup(notice: Omit<RecordingNoticeOptions, 'sleep'>) {
  const log: Log = [];
  const store = new MemoryRecordingStore();
  const locks = fakeLocks();
  const delays: number[] = [];
  const manager = new RecordingManager({
    store,
    locks,
    isTypeSupported: (t) => t.startsWith('video/webm'),
    createRecorder: () => new LoggingRecorder(log),
    beforeRecord: () =>
      announceRecording({
        ...notice,
        sleep: async (ms) => {
          delays.push(ms);
        },
      }),
  });
  return { log, store, locks, manager, delays };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('recording notice before the recorder starts', () => {
  it('does not start the recorder until the room acknowledged the notice', async () => {
    const log: Log = [];
    const room = controlledRoom(log);
    const { manager, log: recLog } = setup({ publish: room.publish });
    const started = manager.record('screen', 'r', stream, async () => undefined);
    for (let i = 0; i < 5; i++) await settle();
    expect(room.pending).toHaveLength(1);
    expect(recLog).not.toContain('recorder.start');
    expect(manager.active).toBeNull();

    room.pending[0]!.ack();
    await started;
    recLog.unshift(...log); // one timeline: the room's events happened first
    expect(recLog).toEqual(['publish:true', 'ack', 'recorder.start']);
    expect(manager.active).toMatchObject({ state: 'recording' });
    await manager.stop();
  });

  it('retries a lost acknowledgement, with growing pauses, then starts', async () => {
    const log: Log = [];
    const room = controlledRoom(log);
    const { manager, log: recLog, delays } = setup({ publish: room.publish });
    const started = manager.record('meeting', 'r', stream, async () => undefined);
    await settle();
    room.pending[0]!.lose(new Error('ack timeout'));
    for (let i = 0; i < 5; i++) await settle();
    room.pending[1]!.lose(new Error('ack timeout'));
    for (let i = 0; i < 5; i++) await settle();
    expect(recLog).not.toContain('recorder.start');
    room.pending[2]!.ack();
    await started;
    expect(log).toEqual(['publish:true', 'publish:true', 'publish:true', 'ack']);
    expect(recLog).toEqual(['recorder.start']);
    expect(delays).toEqual([500, 1000]);
    await manager.stop();
  });

  it('does not record at all, and says why, when the room cannot be told', async () => {
    const { manager, log, store, locks } = setup({
      publish: async () => {
        throw new Error('ack timeout');
      },
    });
    const err = await manager.record('screen', 'r', stream, async () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecordingError);
    expect((err as RecordingError).code).toBe('NOTICE_FAILED');
    expect(((err as RecordingError).cause as Error).message).toBe('ack timeout');
    expect(log).toEqual([]);
    expect(manager.active).toBeNull();
    expect(await store.list()).toEqual([]);
    expect(locks.held.size).toBe(0);
  });

  it('does not count an attempt made while the room is unreachable (reconnecting)', async () => {
    let reachable = false;
    let published = 0;
    const sleeps: number[] = [];
    await announceRecording({
      publish: async () => void published++,
      canReach: () => reachable,
      sleep: async (ms) => {
        sleeps.push(ms);
        reachable = sleeps.length === 2; // connected again before the third attempt
      },
    });
    expect(published).toBe(1);
    expect(sleeps).toHaveLength(2);

    reachable = false;
    await expect(announceRecording({ publish: async () => void published++, canReach: () => reachable, sleep: async () => undefined })).rejects.toMatchObject({
      code: 'NOTICE_FAILED',
    });
    expect(published).toBe(1);
  });
});
