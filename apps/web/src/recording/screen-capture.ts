/**
 * Screen capture for recording: the display plus optional microphone, mixed.
 */
import { captureDisplay, type DisplayMediaDevices } from '../media/display-capture';
import { AudioMixer } from './audio-mixer.js';
import { RecordingError } from './errors.js';

/** What to capture besides the picture. */
export interface ScreenCaptureOptions {
  /** Ask for the tab's or system's audio (the browser decides what it can offer). */
  systemAudio?: boolean;
  /** Also record the microphone, mixed with the system audio. */
  microphone?: boolean;
  /** Injected for tests. @default navigator.mediaDevices */
  mediaDevices?: DisplayMediaDevices & Pick<MediaDevices, 'getUserMedia'>;
}

/** A captured screen ready to record. */
export interface CapturedScreen {
  /** One video track and at most one (mixed) audio track. */
  stream: MediaStream;
  /** The display's video track: its `ended` means the user stopped sharing. */
  videoTrack: MediaStreamTrack;
  /** Tab or system audio was asked for and the browser gave none (Firefox never does). */
  systemAudioMissing: boolean;
  /** Stop every captured track and close the mixer. */
  dispose(): Promise<void>;
}

/**
 * Capture a screen, window or tab, plus optional system audio and microphone mixed
 * into one audio track (MediaRecorder records only the first audio track, so two
 * sources must be mixed, not added side by side).
 */
export async function captureScreen(options: ScreenCaptureOptions = {}): Promise<CapturedScreen> {
  const md = options.mediaDevices ?? globalThis.navigator?.mediaDevices;
  let display: MediaStream;
  let systemAudioMissing: boolean;
  try {
    ({ stream: display, audioMissing: systemAudioMissing } = await captureDisplay(Boolean(options.systemAudio), md));
  } catch (err) {
    throw RecordingError.fromCapture(err, 'screen');
  }
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
    systemAudioMissing,
    async dispose() {
      // We captured these tracks, so we stop them (the recorder never does).
      display.getTracks().forEach((t) => t.stop());
      mic?.getTracks().forEach((t) => t.stop());
      await mixer?.close();
    },
  };
}
