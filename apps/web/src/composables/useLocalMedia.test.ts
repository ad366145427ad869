import { describe, expect, it, vi } from 'vitest';
import { effectScope, ref } from 'vue';
import { DEFAULT_SETTINGS, type MediaSettings } from '../media/constraints';
import { useLocalMedia } from './useLocalMedia';

/** Just enough of MediaStreamTrack for the composable. */
class FakeTrack extends EventTarget {
  enabled = true;
  readyState: 'live' | 'ended' = 'live';
  constructor(readonly kind: 'audio' | 'video', readonly constraints: unknown) {
    super();
  }
  stop() {
    this.readyState = 'ended';
  }
}

class FakeStream {
  private tracks: FakeTrack[];
  constructor(tracks: FakeTrack[]) {
    this.tracks = [...tracks];
  }
  getTracks() {
    return [...this.tracks];
  }
  addTrack(t: FakeTrack) {
    this.tracks.push(t);
  }
  removeTrack(t: FakeTrack) {
    this.tracks = this.tracks.filter((x) => x !== t);
  }
}

const domError = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(name), { name }, extra);

/** A fake getUserMedia: `fail(kind)` decides per kind whether and how capture fails. */
function setup(opts: { fail?: (kind: 'audio' | 'video', c: MediaTrackConstraints) => Error | null; micOn?: boolean; camOn?: boolean } = {}) {
  const made: FakeTrack[] = [];
  const getUserMedia = vi.fn(async (c: MediaStreamConstraints) => {
    const tracks: FakeTrack[] = [];
    for (const kind of ['audio', 'video'] as const) {
      const want = c[kind];
      if (!want) continue;
      const err = opts.fail?.(kind, want as MediaTrackConstraints);
      if (err) throw err;
      tracks.push(new FakeTrack(kind, want));
    }
    made.push(...tracks);
    return new FakeStream(tracks) as unknown as MediaStream;
  });
  const settings = ref<MediaSettings>(structuredClone(DEFAULT_SETTINGS) as MediaSettings);
  const scope = effectScope();
  const media = scope.run(() =>
    useLocalMedia({
      settings,
      navigator: { mediaDevices: { getUserMedia } },
      createStream: (t) => new FakeStream(t as unknown as FakeTrack[]) as unknown as MediaStream,
      secureContext: true,
      micOn: opts.micOn,
      camOn: opts.camOn,
    }),
  )!;
  const live = () => made.filter((t) => t.readyState === 'live');
  return { media, getUserMedia, settings, scope, made, live };
}

describe('useLocalMedia', () => {
  it('captures camera and microphone in one request (one permission prompt)', async () => {
    const { media, getUserMedia } = setup();
    await media.start();
    expect(getUserMedia).toHaveBeenCalledTimes(1);
    expect(media.stream.value?.getTracks().map((t) => t.kind).sort()).toEqual(['audio', 'video']);
    expect(media.audioTrack.value?.enabled).toBe(true);
  });

  it('joins muted: the microphone is captured but disabled, the camera not captured', async () => {
    const { media, getUserMedia } = setup({ micOn: false, camOn: false });
    await media.start();
    expect(getUserMedia).toHaveBeenCalledTimes(1);
    expect(media.audioTrack.value?.enabled).toBe(false);
    expect(media.videoTrack.value).toBeNull();
  });

  it('keeps the microphone when there is no camera, and says why the camera is off', async () => {
    const { media } = setup({ fail: (k) => (k === 'video' ? domError('NotFoundError') : null) });
    await media.start();
    expect(media.audioTrack.value).not.toBeNull();
    expect(media.videoTrack.value).toBeNull();
    expect(media.videoError.value?.kind).toBe('no-device');
    expect(media.camOn.value).toBe(false);
  });

  it('reports permission denied for both kinds and leaves no stream (receive-only)', async () => {
    const { media } = setup({ fail: () => domError('NotAllowedError') });
    await media.start();
    expect(media.stream.value).toBeNull();
    expect(media.audioError.value?.kind).toBe('permission-denied');
    expect(media.videoError.value?.kind).toBe('permission-denied');
  });

  it('retries without a saved device id that no longer exists', async () => {
    const { media, settings, getUserMedia } = setup({
      fail: (_k, c) => (c.deviceId ? domError('OverconstrainedError', { constraint: 'deviceId' }) : null),
    });
    settings.value.video.deviceId = 'gone';
    await media.start();
    expect(media.videoTrack.value).not.toBeNull();
    expect(media.videoError.value).toBeNull();
    expect(getUserMedia.mock.calls.length).toBeGreaterThan(1);
  });

  it('mutes by disabling the track and turns the camera off by stopping it', async () => {
    const { media, live } = setup();
    await media.start();
    const cam = media.videoTrack.value!;
    await media.setMic(false);
    expect(media.audioTrack.value?.enabled).toBe(false);
    await media.setCam(false);
    expect(cam.readyState).toBe('ended');
    expect(media.videoTrack.value).toBeNull();
    expect(media.stream.value?.getTracks().map((t) => t.kind)).toEqual(['audio']);
    await media.setCam(true);
    expect(media.videoTrack.value?.readyState).toBe('live');
    expect(live()).toHaveLength(2);
  });

  it('never leaves two live cameras when toggled quickly', async () => {
    const { media, live } = setup({ camOn: false });
    await media.start();
    await Promise.all([media.setCam(true), media.setCam(false), media.setCam(true)]);
    expect(live().filter((t) => t.kind === 'video')).toHaveLength(1);
    expect(media.camOn.value).toBe(true);
  });

  it('restart replaces the track in the same stream and stops the old one', async () => {
    const { media, settings } = setup();
    await media.start();
    const stream = media.stream.value;
    const old = media.videoTrack.value!;
    settings.value.video.resolution = '360p';
    await media.restart('video');
    expect(old.readyState).toBe('ended');
    expect(media.stream.value).toBe(stream);
    expect((media.videoTrack.value as unknown as FakeTrack).constraints).toMatchObject({ width: { ideal: 640 } });
  });

  it('marks a device that disappears as lost', async () => {
    const { media } = setup();
    await media.start();
    media.videoTrack.value!.dispatchEvent(new Event('ended'));
    expect(media.videoTrack.value).toBeNull();
    expect(media.videoError.value?.kind).toBe('device-lost');
    expect(media.camOn.value).toBe(false);
  });

  it('stops every track when its scope is disposed', async () => {
    const { media, scope, live } = setup();
    await media.start();
    expect(live()).toHaveLength(2);
    scope.stop();
    expect(live()).toHaveLength(0);
    expect(media.stream.value).toBeNull();
  });

  it('explains a missing mediaDevices (insecure page)', async () => {
    const scope = effectScope();
    const media = scope.run(() => useLocalMedia({ settings: ref(structuredClone(DEFAULT_SETTINGS) as MediaSettings), navigator: {}, secureContext: false }))!;
    await media.start();
    expect(media.videoError.value?.kind).toBe('insecure-context');
    expect(media.audioError.value?.kind).toBe('insecure-context');
  });
});
