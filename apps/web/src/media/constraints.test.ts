import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  audioConstraints,
  buildConstraints,
  lowerResolution,
  parseSettings,
  serializeSettings,
  videoConstraints,
  withoutDeviceId,
  type MediaSettings,
} from './constraints';

const clone = (): MediaSettings => structuredClone(DEFAULT_SETTINGS) as MediaSettings;

describe('videoConstraints', () => {
  it('asks for the chosen resolution and frame rate as ideals, so weaker cameras still open', () => {
    const s = clone();
    s.video.resolution = '1080p';
    s.video.frameRate = 24;
    expect(videoConstraints(s.video)).toEqual({
      width: { ideal: 1920 },
      height: { ideal: 1080 },
      frameRate: { ideal: 24 },
    });
  });

  it('pins a chosen camera with exact deviceId', () => {
    const s = clone();
    s.video.deviceId = 'cam-2';
    expect(videoConstraints(s.video).deviceId).toEqual({ exact: 'cam-2' });
  });

  it('prefers facingMode over deviceId (a device has only one facing)', () => {
    const s = clone();
    s.video.deviceId = 'cam-2';
    s.video.facingMode = 'environment';
    const c = videoConstraints(s.video);
    expect(c.facingMode).toEqual({ ideal: 'environment' });
    expect(c.deviceId).toBeUndefined();
  });
});

describe('audioConstraints', () => {
  it('passes the three processing switches through', () => {
    const s = clone();
    s.audio.echoCancellation = false;
    s.audio.noiseSuppression = true;
    s.audio.autoGainControl = false;
    s.audio.deviceId = 'mic-1';
    expect(audioConstraints(s.audio)).toEqual({
      echoCancellation: false,
      noiseSuppression: true,
      autoGainControl: false,
      deviceId: { exact: 'mic-1' },
    });
  });
});

describe('buildConstraints', () => {
  it('sets a kind to false when it is not wanted', () => {
    const c = buildConstraints(clone(), { audio: true, video: false });
    expect(c.video).toBe(false);
    expect(c.audio).toMatchObject({ echoCancellation: true });
  });
});

describe('helpers', () => {
  it('withoutDeviceId drops only the device id', () => {
    expect(withoutDeviceId({ deviceId: { exact: 'x' }, width: { ideal: 1 } })).toEqual({ width: { ideal: 1 } });
  });

  it('lowerResolution steps down and stops at 360p', () => {
    expect(lowerResolution('1080p')).toBe('720p');
    expect(lowerResolution('720p')).toBe('360p');
    expect(lowerResolution('360p')).toBeNull();
  });
});

describe('parseSettings', () => {
  it('round-trips serialized settings', () => {
    const s = clone();
    s.video.resolution = '360p';
    s.video.frameRate = 15;
    s.audio.noiseSuppression = false;
    s.speakerId = 'spk';
    expect(parseSettings(serializeSettings(s))).toEqual(s);
  });

  it('falls back to defaults for missing, broken or foreign values', () => {
    expect(parseSettings(null)).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings('{not json')).toEqual(DEFAULT_SETTINGS);
    const odd = parseSettings(
      JSON.stringify({ video: { resolution: '8k', frameRate: 1000, facingMode: 'up', deviceId: 7 }, audio: { echoCancellation: 'yes' } }),
    );
    expect(odd).toEqual(DEFAULT_SETTINGS);
  });
});
