/**
 * Screen capture for recording and for sharing to the call.
 */
import { AudioMixer } from './audio-mixer.js';
import { RecordingError } from './errors.js';

/** What to capture besides the picture. */
export interface ScreenCaptureOptions {
  /** Ask for the tab's or system's audio (the browser decides what it can offer). */
  systemAudio?: boolean;
  /** Also record the microphone, mixed with the system audio. */
  microphone?: boolean;
  /** Injected for tests. @default navigator.mediaDevices */
  mediaDevices?: Pick<MediaDevices, 'getDisplayMedia' | 'getUserMedia'>;
}

/** A captured screen ready to record. */
export interface CapturedScreen {
  /** One video track and at most one (mixed) audio track. */
  stream: MediaStream;
  /** The display's video track: its `ended` means the user stopped sharing. */
  videoTrack: MediaStreamTrack;
  /** Stop every captured track and close the mixer. */
  dispose(): Promise<void>;
}

/** Ask the browser for a display stream (screen, window or tab). */
export async function getDisplayStream(
  withAudio: boolean,
  mediaDevices: Pick<MediaDevices, 'getDisplayMedia'> | undefined = globalThis.navigator?.mediaDevices,
): Promise<MediaStream> {
  if (!mediaDevices?.getDisplayMedia) {
    throw new RecordingError('UNSUPPORTED', 'This browser cannot capture the screen');
  }
  try {
    return await mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 30 } }, audio: withAudio });
  } catch (err) {
    throw RecordingError.fromCapture(err, 'screen');
  }
}

/**
 * Capture a screen, window or tab, plus optional system audio and microphone mixed
 * into one audio track (MediaRecorder records only the first audio track, so two
 * sources must be mixed, not added side by side).
 */
export async function captureScreen(options: ScreenCaptureOptions = {}): Promise<CapturedScreen> {
  const md = options.mediaDevices ?? globalThis.navigator?.mediaDevices;
  const display = await getDisplayStream(Boolean(options.systemAudio), md);
  const videoTrack = display.getVideoTracks()[0];
  if (!videoTrack) {
    display.getTracks().forEach((t) => t.stop());
    throw new RecordingError('NO_DEVICE', 'The screen capture has no video');
  }
  let mic: MediaStream | null = null;
  if (options.microphone) {
    try {
      mic = await md!.getUserMedia({ audio: true, video: false });
    } catch (err) {
      display.getTracks().forEach((t) => t.stop());
      throw RecordingError.fromCapture(err, 'microphone');
    }
  }
  const audioInputs = [...display.getAudioTracks(), ...(mic?.getAudioTracks() ?? [])];
  const mixer = audioInputs.length > 0 ? new AudioMixer() : null;
  mixer?.sync(audioInputs);
  const stream = new MediaStream(mixer ? [videoTrack, mixer.track] : [videoTrack]);
  return {
    stream,
    videoTrack,
    async dispose() {
      // We captured these tracks, so we stop them (the recorder never does).
      display.getTracks().forEach((t) => t.stop());
      mic?.getTracks().forEach((t) => t.stop());
      await mixer?.close();
    },
  };
}
