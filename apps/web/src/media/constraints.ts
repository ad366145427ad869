/**
 * Capture settings a user can choose in the lobby or mid-call, and the
 * getUserMedia constraints built from them. Framework-free so it is unit-tested
 * in Node and reusable outside Vue.
 *
 * Choices are `ideal` wherever possible so a camera that cannot do 1080p still
 * opens at its best size instead of failing; only a chosen `deviceId` is `exact`
 * (the user asked for that device, not "something like it"). A stale saved device
 * id is handled by the caller retrying without it (see `useLocalMedia`).
 */

/** Capture resolutions offered to the user. */
export type Resolution = '360p' | '720p' | '1080p';

/** Pixel sizes of each {@link Resolution} (16:9). */
export const RESOLUTIONS: Readonly<Record<Resolution, { width: number; height: number }>> = {
  '360p': { width: 640, height: 360 },
  '720p': { width: 1280, height: 720 },
  '1080p': { width: 1920, height: 1080 },
};

/** Frame rates offered to the user. */
export const FRAME_RATES = [15, 24, 30] as const;

/** Which way a phone camera faces: `user` is the front (selfie) camera. */
export type FacingMode = 'user' | 'environment';

/** Camera settings. */
export interface VideoSettings {
  /** Chosen camera, or `null` for the browser's default. Ignored when {@link facingMode} is set. */
  deviceId: string | null;
  /** @default '720p' */
  resolution: Resolution;
  /** @default 30 */
  frameRate: number;
  /** Front/back camera on devices that have both; `null` = don't ask. */
  facingMode: FacingMode | null;
}

/** Microphone settings. The three processing switches default to on: right for calls. */
export interface AudioSettings {
  /** Chosen microphone, or `null` for the browser's default. */
  deviceId: string | null;
  echoCancellation: boolean;
  noiseSuppression: boolean;
  autoGainControl: boolean;
}

/** Everything a user can choose about their devices. */
export interface MediaSettings {
  video: VideoSettings;
  audio: AudioSettings;
  /** Audio output device for remote participants (`setSinkId`), `null` = system default. */
  speakerId: string | null;
}

/** Settings of a first visit. */
export const DEFAULT_SETTINGS: Readonly<MediaSettings> = Object.freeze<MediaSettings>({
  video: { deviceId: null, resolution: '720p', frameRate: 30, facingMode: null },
  audio: { deviceId: null, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  speakerId: null,
});

/** Camera constraints for getUserMedia / applyConstraints. */
export function videoConstraints(s: VideoSettings): MediaTrackConstraints {
  const size = RESOLUTIONS[s.resolution];
  const c: MediaTrackConstraints = {
    width: { ideal: size.width },
    height: { ideal: size.height },
    frameRate: { ideal: s.frameRate },
  };
  // facingMode and deviceId would fight: a specific device has one facing. The
  // front/back switch is how phones pick a camera, the device list how desktops do.
  if (s.facingMode) c.facingMode = { ideal: s.facingMode };
  else if (s.deviceId) c.deviceId = { exact: s.deviceId };
  return c;
}

/** Microphone constraints for getUserMedia. */
export function audioConstraints(s: AudioSettings): MediaTrackConstraints {
  const c: MediaTrackConstraints = {
    echoCancellation: s.echoCancellation,
    noiseSuppression: s.noiseSuppression,
    autoGainControl: s.autoGainControl,
  };
  if (s.deviceId) c.deviceId = { exact: s.deviceId };
  return c;
}

/** What to capture. */
export interface CaptureRequest {
  audio: boolean;
  video: boolean;
}

/** Full getUserMedia constraints for the kinds requested. */
export function buildConstraints(s: MediaSettings, want: CaptureRequest): MediaStreamConstraints {
  return {
    audio: want.audio ? audioConstraints(s.audio) : false,
    video: want.video ? videoConstraints(s.video) : false,
  };
}

/** Constraints without any `deviceId`: the retry when a saved device has gone. */
export function withoutDeviceId(c: MediaTrackConstraints): MediaTrackConstraints {
  const { deviceId: _ignored, ...rest } = c;
  return rest;
}

/** The next lower resolution, or `null` at the bottom: the fix for impossible constraints. */
export function lowerResolution(r: Resolution): Resolution | null {
  return r === '1080p' ? '720p' : r === '720p' ? '360p' : null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length < 512 ? v : null);
const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : d);

/**
 * Reads settings saved by {@link serializeSettings}, field by field, falling back to
 * defaults: storage is user-editable and may hold an older shape.
 */
export function parseSettings(raw: string | null): MediaSettings {
  const d = DEFAULT_SETTINGS;
  let data: unknown = null;
  try {
    data = raw ? JSON.parse(raw) : null;
  } catch {
    data = null;
  }
  const v = isRecord(data) && isRecord(data.video) ? data.video : {};
  const a = isRecord(data) && isRecord(data.audio) ? data.audio : {};
  const resolution = typeof v.resolution === 'string' && v.resolution in RESOLUTIONS ? (v.resolution as Resolution) : d.video.resolution;
  const frameRate = (FRAME_RATES as readonly unknown[]).includes(v.frameRate) ? (v.frameRate as number) : d.video.frameRate;
  const facingMode = v.facingMode === 'user' || v.facingMode === 'environment' ? v.facingMode : null;
  return {
    video: { deviceId: str(v.deviceId), resolution, frameRate, facingMode },
    audio: {
      deviceId: str(a.deviceId),
      echoCancellation: bool(a.echoCancellation, d.audio.echoCancellation),
      noiseSuppression: bool(a.noiseSuppression, d.audio.noiseSuppression),
      autoGainControl: bool(a.autoGainControl, d.audio.autoGainControl),
    },
    speakerId: isRecord(data) ? str(data.speakerId) : null,
  };
}

/** The storable form of settings. */
export function serializeSettings(s: MediaSettings): string {
  return JSON.stringify(s);
}
