import { describe, expect, it } from 'vitest';
import { MemoryRecordingStore } from './memory-store.js';
import { RecorderSession, type RecorderState } from './recorder.js';
import type { ChunkWriter } from './types.js';
import { FakeRecorder } from '../../test/recording/fake-recorder.js';

const tick = () => new Promise((r) => setTimeout(r, 5));
const slowWriter = (inner: ChunkWriter, delayMs: number): ChunkWriter => ({
  get bytes() {
    return inner.bytes;
  },
  get chunks() {
    return inner.chunks;
  },
  append: async (b) => {
    await new Promise((r) => setTimeout(r, delayMs));
    await inner.append(b);
  },
});

async function setup(writerWrap: (w: ChunkWriter) => ChunkWriter = (w) => w) {
  const store = new MemoryRecordingStore();
  const writer = writerWrap(
    await store.create({
      id: 'r',
      kind: 'screen',
      room: null,
      startedAt: 0,
      mimeType: 'video/webm',
      state: 'recording',
      bytes: 0,
      durationMs: null,
      seekable: false,
    }),
  );
  let clock = 0;
  const fake = new FakeRecorder();
  const session = new RecorderSession({
    stream: {} as MediaStream,
    mimeType: 'video/webm',
    writer,
    createRecorder: () => fake,
    now: () => clock,
  });
  const states: RecorderState[] = [];
  session.on('state', (s) => states.push(s));
  return { store, fake, session, states, advance: (ms: number) => (clock += ms) };
}

describe('RecorderSession', () => {
  it('closes the writer after the last chunk is stored and before stop() resolves', async () => {
    const events: string[] = [];
    const { fake, session } = await setup((w) => ({
      ...slowWriter(w, 10),
      get bytes() {
        return w.bytes;
      },
      get chunks() {
        return w.chunks;
      },
      append: async (b) => {
        await slowWriter(w, 10).append(b);
        events.push(`stored ${await b.text()}`);
      },
      close: async () => void events.push('closed'),
    }));
    session.start();
    fake.chunk('A');
    await session.stop();
    events.push('stop resolved');
    expect(events).toEqual(['stored A', 'stored LAST', 'closed', 'stop resolved']);
  });

  it('records with a 1 s timeslice and stores the final chunk before stop() resolves', async () => {
    const { store, fake, session, states } = await setup((w) => slowWriter(w, 10));
    session.start();
    expect(fake.timeslice).toBe(1000);
    fake.chunk('A');
    fake.chunk('B');
    await session.stop();
    expect(await (await store.readChunks('r')).text()).toBe('ABLAST');
    expect(session.state).toBe('stopped');
    expect(states).toEqual(['recording', 'stopping', 'stopped']);
  });

  it('excludes paused time from the elapsed time', async () => {
    const { fake, session, advance } = await setup();
    session.start();
    advance(1000);
    session.pause();
    await tick();
    expect(session.state).toBe('paused');
    advance(5000);
    session.resume();
    await tick();
    advance(500);
    expect(session.elapsedMs()).toBe(1500);
    fake.chunk('x');
    await session.stop();
    expect(session.elapsedMs()).toBe(1500);
  });

  it('finishes when the browser stops the recorder by itself', async () => {
    const { fake, session } = await setup();
    session.start();
    fake.stop(); // e.g. every track ended
    await tick();
    expect(session.state).toBe('stopped');
    await expect(session.stop()).resolves.toBeUndefined();
  });

  it('turns a storage failure into STORAGE_FULL and stops', async () => {
    const { fake, session } = await setup((w) => ({
      ...w,
      bytes: 0,
      chunks: 0,
      append: async () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
    }));
    const errors: string[] = [];
    session.on('error', (e) => errors.push(e.code));
    session.start();
    fake.chunk('A');
    await tick();
    await tick();
    expect(errors).toEqual(['STORAGE_FULL']);
    expect(session.state).toBe('failed');
  });

  it('a throwing listener does not break recording', async () => {
    const { fake, session, store } = await setup();
    session.on('progress', () => {
      throw new Error('listener bug');
    });
    const orig = console.error;
    console.error = () => undefined;
    try {
      session.start();
      fake.chunk('A');
      await session.stop();
    } finally {
      console.error = orig;
    }
    expect(await (await store.readChunks('r')).text()).toBe('ALAST');
  });
});
