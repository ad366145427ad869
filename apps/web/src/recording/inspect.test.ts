import { describe, expect, it } from 'vitest';
import { liveWebm, useBrowserBuffer } from '../../test/recording/browser-buffer.js';
import { inspectRecording } from './inspect.js';

useBrowserBuffer();
const WEBM = 'video/webm;codecs=vp8,opus';
const raw = liveWebm();
const blob = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>]);

describe('inspectRecording (WebM, real MediaRecorder output)', () => {
  it('finds the whole recording playable', async () => {
    expect(await inspectRecording(blob(raw), WEBM)).toEqual({ playable: true });
  });

  it.each([
    // Chromium's first `dataavailable` on a loaded machine: one byte of the EBML header.
    ['the first byte only', 1],
    ['the EBML header without the tracks', 60],
    ['the header and tracks but no frame', 206],
  ])('finds %s not playable', async (_what, bytes) => {
    const result = await inspectRecording(blob(raw.slice(0, bytes)), WEBM);
    expect(result.playable).toBe(false);
    expect(result.reason).toBeTruthy();
  });

  it('finds data that does not start at the EBML header not playable', async () => {
    expect((await inspectRecording(blob(raw.slice(1)), WEBM)).playable).toBe(false);
    expect((await inspectRecording(new Blob(['not a webm at all']), WEBM)).playable).toBe(false);
    expect((await inspectRecording(new Blob([]), WEBM)).playable).toBe(false);
  });

  it('needs only the start: a recording cut mid-frame later on is playable', async () => {
    expect((await inspectRecording(blob(raw.slice(0, 4000)), WEBM)).playable).toBe(true);
  });
});

describe('inspectRecording (MP4)', () => {
  const box = (type: string, body = 8) => {
    const b = new Uint8Array(8 + body);
    new DataView(b.buffer).setUint32(0, 8 + body);
    b.set([...type].map((c) => c.charCodeAt(0)), 4);
    return b;
  };
  const cat = (...parts: Uint8Array[]) => new Blob(parts as Uint8Array<ArrayBuffer>[]);

  it('wants ftyp, then moov, then media', async () => {
    expect((await inspectRecording(cat(box('ftyp'), box('moov'), box('moof'), box('mdat')), 'video/mp4')).playable).toBe(true);
    expect((await inspectRecording(cat(box('ftyp'), box('moov')), 'video/mp4')).playable).toBe(false);
    expect((await inspectRecording(cat(box('moov'), box('mdat')), 'video/mp4')).playable).toBe(false);
    expect((await inspectRecording(cat(box('ftyp').slice(0, 5)), 'video/mp4')).playable).toBe(false);
  });
});
