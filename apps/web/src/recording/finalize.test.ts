import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useBrowserBuffer } from '../../test/recording/browser-buffer.js';
import { FakeDir } from '../../test/recording/fake-opfs.js';
import { finalizeRecording } from './finalize.js';
import { OpfsRecordingStore } from './opfs-store.js';
import { loadEbml } from './seekable.js';
import type { RecordingMeta } from './types.js';

// A live-style WebM (no Duration, no Cues, unknown sizes), as MediaRecorder writes:
// recorded by Chromium's MediaRecorder (opaque canvas + oscillator, 2 s of VP8 + Opus,
// 500 ms timeslice); the second one is the same without audio.
const LIVE = new URL('./__fixtures__/mediarecorder-2s.webm', import.meta.url);
const LIVE_VIDEO = new URL('./__fixtures__/mediarecorder-video-2s.webm', import.meta.url);

// The EBML library must run as it does in browsers (see useBrowserBuffer).
useBrowserBuffer();

const meta = (id: string, mimeType = 'video/webm;codecs=vp8,opus'): RecordingMeta => ({
  id,
  kind: 'screen',
  room: 'r',
  startedAt: 1,
  mimeType,
  state: 'recording',
  bytes: 0,
  durationMs: null,
  seekable: false,
});

async function storeWithChunks(id: string, bytes: Uint8Array, chunkSize: number, mimeType?: string) {
  const store = new OpfsRecordingStore(new FakeDir());
  const w = await store.create(meta(id, mimeType));
  for (let o = 0; o < bytes.length; o += chunkSize) await w.append(new Blob([bytes.slice(o, o + chunkSize)]));
  return store;
}

/** Names of the Segment's children (level 1 in the EBML schema) and the Duration. */
async function segmentChildren(file: Blob): Promise<{ names: string[]; duration: number | null }> {
  const { Decoder } = await loadEbml();
  const elements = new Decoder().decode(await file.arrayBuffer());
  const names = elements.filter((e) => e.level === 1 && !(e as { isEnd?: boolean }).isEnd).map((e) => e.name);
  const d = elements.find((e) => e.name === 'Duration') as { value?: number } | undefined;
  return { names, duration: d?.value ?? null };
}

describe('finalizeRecording (real EBML reader)', () => {
  it('writes Duration and Cues into a live WebM assembled from odd-sized chunks', async () => {
    const raw = new Uint8Array(readFileSync(LIVE));
    const before = await segmentChildren(new Blob([raw]));
    expect(before.names).not.toContain('Cues');
    expect(before.duration).toBeNull();

    const store = await storeWithChunks('a', raw, 3001);
    const done = await finalizeRecording(store, 'a');
    expect(done).toMatchObject({ state: 'done', seekable: true });
    expect(done.durationMs).toBeGreaterThan(1900);
    expect(done.durationMs).toBeLessThan(2200);

    const file = (await store.readFinal('a'))!;
    expect(file.size).toBe(done.bytes);
    const after = await segmentChildren(file);
    expect(after.names).toEqual(expect.arrayContaining(['SeekHead', 'Info', 'Tracks', 'Cues', 'Cluster']));
    expect(after.names.indexOf('Cues')).toBeLessThan(after.names.indexOf('Cluster'));
    expect(after.duration).toBeGreaterThan(1900);
    // Chunks are gone once the final file exists.
    expect((await store.readChunks('a')).size).toBe(0);
  });

  it('handles a video-only recording too', async () => {
    const store = await storeWithChunks('v', new Uint8Array(readFileSync(LIVE_VIDEO)), 2048);
    const done = await finalizeRecording(store, 'v');
    expect(done.seekable).toBe(true);
    expect(done.durationMs).toBeGreaterThan(1900);
    expect((await segmentChildren((await store.readFinal('v'))!)).names).toContain('Cues');
  });

  it('recovers a recording cut mid-cluster (crash), keeping what was written', async () => {
    const raw = new Uint8Array(readFileSync(LIVE));
    const cut = raw.slice(0, Math.floor(raw.length * 0.6) + 7);
    const store = await storeWithChunks('b', cut, 4096);
    const done = await finalizeRecording(store, 'b');
    expect(done.seekable).toBe(true);
    expect(done.durationMs).toBeGreaterThan(500);
    expect(done.durationMs).toBeLessThan(1900);
    // The half-written last frame is cut off: the file ends exactly after a whole element.
    const file = (await store.readFinal('b'))!;
    const { Decoder } = await loadEbml();
    const leaves = new Decoder().decode(await file.arrayBuffer()).filter((e) => e.type !== 'm');
    expect(Math.max(...leaves.map((e) => e.dataEnd))).toBe(file.size);
  });

  it('keeps the raw data, marked not seekable, when a playable WebM cannot be analysed', async () => {
    const raw = new Uint8Array(readFileSync(LIVE));
    const store = await storeWithChunks('c', raw, 4096);
    const failing = async () => {
      throw new Error('unknown layout');
    };
    const done = await finalizeRecording(store, 'c', { fallbackDurationMs: 1234, makeSeekable: failing });
    expect(done).toMatchObject({ state: 'done', seekable: false, durationMs: 1234, error: 'unknown layout' });
    expect(new Uint8Array(await (await store.readFinal('c'))!.arrayBuffer())).toEqual(raw);
  });

  it.each([
    ['no data', 0],
    // The page died after MediaRecorder's first chunk, which held one byte of the header.
    ['only the first byte of the header', 1],
    ['a header but no frame', 206],
  ])('writes no file and removes the entry when %s was saved', async (_what, bytes) => {
    const store = await storeWithChunks('d', new Uint8Array(readFileSync(LIVE)).slice(0, bytes), 1000);
    await expect(finalizeRecording(store, 'd')).rejects.toMatchObject({ code: 'NOTHING_SAVED' });
    expect(await store.get('d')).toBeNull();
  });

  it('never writes a file that does not start with the container header', async () => {
    const store = await storeWithChunks('n', new TextEncoder().encode('not a webm at all'), 5);
    await expect(finalizeRecording(store, 'n', { fallbackDurationMs: 1234 })).rejects.toMatchObject({ code: 'NOTHING_SAVED' });
    expect(await store.get('n')).toBeNull();
  });

  it('stores MP4 as recorded', async () => {
    const box = (type: string) => {
      const b = new Uint8Array(16);
      new DataView(b.buffer).setUint32(0, 16);
      b.set([...type].map((c) => c.charCodeAt(0)), 4);
      return b;
    };
    const mp4 = new Uint8Array([...box('ftyp'), ...box('moov'), ...box('moof'), ...box('mdat')]);
    const store = await storeWithChunks('e', mp4, 10, 'video/mp4');
    const done = await finalizeRecording(store, 'e', { fallbackDurationMs: 3000 });
    expect(done).toMatchObject({ state: 'done', durationMs: 3000, bytes: 64 });
  });
});
