import { getCurrentScope, onScopeDispose, ref, shallowRef, triggerRef, type Ref, type ShallowRef } from 'vue';
import { audioConstraints, videoConstraints, withoutDeviceId, type MediaSettings } from '../media/constraints';
import { classifyMediaError, missingMediaDevicesError, type MediaErrorInfo } from '../media/devices';

/** A capture kind. */
export type MediaKind = 'audio' | 'video';

/** Options of {@link useLocalMedia}. */
export interface UseLocalMediaOptions {
  /** Current capture settings; read at each capture. */
  settings: Ref<MediaSettings>;
  /**
   * Source of `getUserMedia`; tests pass a fake.
   * @default globalThis.navigator
   */
  navigator?: { mediaDevices?: Pick<MediaDevices, 'getUserMedia'> };
  /**
   * Makes the one local stream.
   * @default (tracks) => new MediaStream(tracks)
   */
  createStream?: (tracks: MediaStreamTrack[]) => MediaStream;
  /** @default globalThis.isSecureContext ?? true */
  secureContext?: boolean;
  /** Called after every successful capture (refresh device labels, for instance). */
  onCaptured?: () => void;
  /** Initial intent. @default true */
  micOn?: boolean;
  /** Initial intent. @default true */
  camOn?: boolean;
}

/** What {@link useLocalMedia} returns. */
export interface UseLocalMediaReturn {
  /**
   * The single local stream, or `null` before any capture. Its tracks change in
   * place (same stream id for the peers); the ref is re-triggered on each change.
   */
  stream: ShallowRef<MediaStream | null>;
  audioTrack: ShallowRef<MediaStreamTrack | null>;
  videoTrack: ShallowRef<MediaStreamTrack | null>;
  /** The user wants to send audio (the track is `enabled`). */
  micOn: Ref<boolean>;
  /** The user wants to send video (a camera track is live). */
  camOn: Ref<boolean>;
  audioError: Ref<MediaErrorInfo | null>;
  videoError: Ref<MediaErrorInfo | null>;
  /** A capture is in progress. */
  busy: Ref<boolean>;
  /** Captures what is wanted and missing: the microphone always (muted if off), the camera if on. */
  start(): Promise<void>;
  setMic(on: boolean): Promise<void>;
  setCam(on: boolean): Promise<void>;
  /** Re-captures one kind with the current settings (device or quality changed). */
  restart(kind: MediaKind): Promise<void>;
  /** Stops every track and forgets the stream. */
  stop(): void;
}

/**
 * The local camera and microphone.
 *
 * Invariants: this composable owns every track it captures and is the only one
 * that stops them (the call only forwards them with `replaceTrack`). The microphone
 * is muted by `enabled = false` so unmuting is instant; the camera is turned off by
 * stopping its track so the camera light goes out. Each kind has its own queue so
 * fast toggling never leaves two live cameras. All tracks stop when the owning
 * effect scope is disposed.
 */
export function useLocalMedia(options: UseLocalMediaOptions): UseLocalMediaReturn {
  const nav = options.navigator ?? globalThis.navigator;
  const createStream = options.createStream ?? ((tracks) => new MediaStream(tracks));
  const secure = options.secureContext ?? globalThis.isSecureContext ?? true;

  const stream = shallowRef<MediaStream | null>(null);
  const audioTrack = shallowRef<MediaStreamTrack | null>(null);
  const videoTrack = shallowRef<MediaStreamTrack | null>(null);
  const micOn = ref(options.micOn ?? true);
  const camOn = ref(options.camOn ?? true);
  const audioError = ref<MediaErrorInfo | null>(null);
  const videoError = ref<MediaErrorInfo | null>(null);
  const busy = ref(false);
  let disposed = false;

  const trackRef = (k: MediaKind) => (k === 'audio' ? audioTrack : videoTrack);
  const errorRef = (k: MediaKind) => (k === 'audio' ? audioError : videoError);
  const constraintsFor = (k: MediaKind): MediaTrackConstraints =>
    k === 'audio' ? audioConstraints(options.settings.value.audio) : videoConstraints(options.settings.value.video);

  // One promise chain per kind: operations on the camera run one after another.
  const queues: Record<MediaKind, Promise<unknown>> = { audio: Promise.resolve(), video: Promise.resolve() };
  function serial<T>(k: MediaKind, fn: () => Promise<T>): Promise<T> {
    const run = queues[k].then(fn, fn);
    queues[k] = run.catch(() => undefined);
    return run;
  }

  function getUserMedia(c: MediaStreamConstraints): Promise<MediaStream> {
    const md = nav?.mediaDevices;
    if (!md?.getUserMedia) return Promise.reject(Object.assign(new Error('no mediaDevices'), { __info: missingMediaDevicesError(secure) }));
    return md.getUserMedia(c);
  }

  const classify = (e: unknown): MediaErrorInfo =>
    (e as { __info?: MediaErrorInfo } | null)?.__info ?? classifyMediaError(e);

  /** Captures one kind; a saved device that has gone is retried as "any device". */
  async function captureOne(k: MediaKind): Promise<MediaStreamTrack> {
    const c = constraintsFor(k);
    let s: MediaStream;
    try {
      s = await getUserMedia({ [k]: c });
    } catch (e) {
      const info = classify(e);
      const deviceGone = (info.kind === 'overconstrained' && (!info.constraint || info.constraint === 'deviceId')) || info.kind === 'no-device';
      if (!c.deviceId || !deviceGone) throw e;
      s = await getUserMedia({ [k]: withoutDeviceId(c) });
    }
    const track = s.getTracks().find((t) => t.kind === k);
    if (!track) throw Object.assign(new Error(`no ${k} track`), { name: 'NotFoundError' });
    return track;
  }

  function onEnded(this: MediaStreamTrack): void {
    const k = this.kind as MediaKind;
    if (trackRef(k).value !== this) return;
    // The device went away under us (unplugged, driver reset): say so and reflect it.
    detach(k);
    errorRef(k).value = { kind: 'device-lost', name: 'ended', message: `${k} track ended` };
    if (k === 'video') camOn.value = false;
  }

  function detach(k: MediaKind): void {
    const old = trackRef(k).value;
    if (!old) return;
    old.removeEventListener('ended', onEnded);
    old.stop();
    stream.value?.removeTrack(old);
    trackRef(k).value = null;
    triggerRef(stream);
  }

  function attach(track: MediaStreamTrack): void {
    const k = track.kind as MediaKind;
    if (disposed) {
      track.stop();
      return;
    }
    detach(k);
    if (k === 'audio') track.enabled = micOn.value;
    track.addEventListener('ended', onEnded);
    if (!stream.value) stream.value = createStream([]);
    stream.value.addTrack(track);
    trackRef(k).value = track;
    errorRef(k).value = null;
    triggerRef(stream);
  }

  async function captureInto(k: MediaKind): Promise<boolean> {
    try {
      attach(await captureOne(k));
      options.onCaptured?.();
      return true;
    } catch (e) {
      errorRef(k).value = classify(e);
      if (k === 'video') camOn.value = false;
      return false;
    }
  }

  async function start(): Promise<void> {
    const wantAudio = !audioTrack.value;
    const wantVideo = camOn.value && !videoTrack.value;
    if (!wantAudio && !wantVideo) return;
    busy.value = true;
    try {
      if (wantAudio && wantVideo) {
        // One request, so the browser shows one permission prompt for both.
        try {
          const s = await getUserMedia({ audio: constraintsFor('audio'), video: constraintsFor('video') });
          for (const t of s.getTracks()) attach(t);
          options.onCaptured?.();
          return;
        } catch {
          // Fall through: one missing or busy device must not cost the other one.
        }
      }
      await Promise.all([
        wantAudio ? serial('audio', () => captureInto('audio')) : null,
        wantVideo ? serial('video', () => captureInto('video')) : null,
      ]);
    } finally {
      busy.value = false;
    }
  }

  function setMic(on: boolean): Promise<void> {
    micOn.value = on;
    return serial('audio', async () => {
      if (audioTrack.value) audioTrack.value.enabled = micOn.value;
      else if (micOn.value && !(await captureInto('audio'))) micOn.value = false;
    });
  }

  function setCam(on: boolean): Promise<void> {
    camOn.value = on;
    return serial('video', async () => {
      if (!camOn.value) detach('video');
      else if (!videoTrack.value) await captureInto('video');
    });
  }

  function restart(k: MediaKind): Promise<void> {
    return serial(k, async () => {
      if (k === 'video' && !camOn.value) return;
      // Stop first: many cameras cannot be opened twice at once.
      const old = trackRef(k).value;
      if (old) old.stop();
      await captureInto(k);
      if (trackRef(k).value === old) detach(k);
    });
  }

  function stop(): void {
    detach('audio');
    detach('video');
    stream.value = null;
  }

  if (getCurrentScope()) {
    onScopeDispose(() => {
      disposed = true;
      stop();
    });
  }

  return { stream, audioTrack, videoTrack, micOn, camOn, audioError, videoError, busy, start, setMic, setCam, restart, stop };
}
