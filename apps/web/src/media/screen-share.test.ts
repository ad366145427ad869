import { describe, expect, it } from 'vitest';
import { captureShare } from './screen-share';
import { ShareError } from './share-error';
import { FakeStream, FakeTrack, asStream } from '../../test/media/fake-media';
import type { DisplayMediaDevices } from './display-capture';

/** A `getDisplayMedia` that returns `tracks` and records what it was asked for. */
function devices(tracks: () => FakeTrack[]) {
  const asked: DisplayMediaStreamOptions[] = [];
  const md: DisplayMediaDevices = {
    getDisplayMedia: async (options?: DisplayMediaStreamOptions) => {
      asked.push(options ?? {});
      return asStream(new FakeStream(tracks()));
    },
  };
  return { md, asked };
}

const refusing = (name: string): DisplayMediaDevices => ({
  getDisplayMedia: () => Promise.reject(Object.assign(new Error('refused'), { name })),
});

describe('captureShare', () => {
  it('asks for sound and reports it missing when the browser returns video only (Firefox)', async () => {
    const { md, asked } = devices(() => [new FakeTrack('video', 'screen')]);
    const capture = await captureShare(md);
    expect(asked[0]?.audio).toBe(true);
    expect(capture.audioMissing).toBe(true);
  });

  it('does not report missing sound when the capture has an audio track (Chromium tab audio)', async () => {
    const { md } = devices(() => [new FakeTrack('video', 'screen'), new FakeTrack('audio', 'tab')]);
    expect((await captureShare(md)).audioMissing).toBe(false);
  });

  it('turns the browser refusals into share error codes', async () => {
    const cases: Array<[string, string]> = [
      ['NotAllowedError', 'PERMISSION_DENIED'],
      ['NotFoundError', 'NO_SOURCE'],
      ['NotReadableError', 'SOURCE_BUSY'],
      ['NotSupportedError', 'UNSUPPORTED'],
      ['WeirdError', 'SHARE_FAILED'],
    ];
    for (const [name, code] of cases) {
      const error = await captureShare(refusing(name)).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(ShareError);
      expect((error as ShareError).code, name).toBe(code);
    }
  });

  it('says UNSUPPORTED when the browser has no getDisplayMedia', async () => {
    const error = await captureShare({} as DisplayMediaDevices).catch((e: unknown) => e);
    expect((error as ShareError).code).toBe('UNSUPPORTED');
  });

  it('refuses a capture without a picture and stops what it got', async () => {
    const audio = new FakeTrack('audio', 'tab');
    const error = await captureShare(devices(() => [audio]).md).catch((e: unknown) => e);
    expect((error as ShareError).code).toBe('NO_SOURCE');
    expect(audio.readyState).toBe('ended');
  });
});
