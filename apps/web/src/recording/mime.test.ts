import { describe, expect, it } from 'vitest';
import { formatFromMime, pickRecordingFormat } from './mime.js';

const supports = (...types: string[]) => (t: string) => types.includes(t);

describe('pickRecordingFormat', () => {
  it('prefers VP9/Opus WebM when everything is supported', () => {
    const all = () => true;
    expect(pickRecordingFormat(all, true)?.mimeType).toBe('video/webm;codecs=vp9,opus');
    expect(pickRecordingFormat(all, false)?.mimeType).toBe('video/webm;codecs=vp9');
  });

  it('falls back to VP8, then plain WebM, then MP4', () => {
    expect(pickRecordingFormat(supports('video/webm;codecs=vp8,opus', 'video/mp4'), true)?.mimeType).toBe(
      'video/webm;codecs=vp8,opus',
    );
    expect(pickRecordingFormat(supports('video/webm', 'video/mp4'), true)?.mimeType).toBe('video/webm');
    const safari = pickRecordingFormat(supports('video/mp4'), true);
    expect(safari).toEqual({ mimeType: 'video/mp4', extension: 'mp4', container: 'mp4' });
  });

  it('returns null when nothing can be recorded, and survives a throwing isTypeSupported', () => {
    expect(pickRecordingFormat(() => false, true)).toBeNull();
    const throwsOnVp9 = (t: string) => {
      if (t.includes('vp9')) throw new Error('unknown codec');
      return t === 'video/webm;codecs=vp8';
    };
    expect(pickRecordingFormat(throwsOnVp9, false)?.mimeType).toBe('video/webm;codecs=vp8');
  });
});

describe('preferVp8', () => {
  it('puts VP8 first but still falls back to the others', () => {
    expect(pickRecordingFormat(() => true, true, { preferVp8: true })?.mimeType).toBe('video/webm;codecs=vp8,opus');
    expect(pickRecordingFormat(supports('video/webm;codecs=vp9,opus'), true, { preferVp8: true })?.mimeType).toBe(
      'video/webm;codecs=vp9,opus',
    );
  });
});

describe('formatFromMime', () => {
  it('recognises mp4 and defaults to webm', () => {
    expect(formatFromMime('video/mp4;codecs=avc1').extension).toBe('mp4');
    expect(formatFromMime('video/webm;codecs=vp8,opus').container).toBe('webm');
  });
});
