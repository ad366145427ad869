/**
 * Capturing a screen to share with the call: the picker, with tab or system sound
 * asked for, and every failure turned into a {@link ShareError}.
 */
import { captureDisplay, type DisplayCapture, type DisplayMediaDevices } from './display-capture';
import { ShareError } from './share-error';

/**
 * Shows the browser's picker and returns the capture to send. `audioMissing` is true
 * when the browser gave no sound (Firefox ignores the request): the share then carries
 * only the picture, and the UI says so. Rejects with a {@link ShareError}.
 */
export async function captureShare(mediaDevices?: DisplayMediaDevices): Promise<DisplayCapture> {
  let capture: DisplayCapture;
  try {
    capture = await captureDisplay(true, mediaDevices);
  } catch (err) {
    throw ShareError.fromCapture(err);
  }
  if (capture.stream.getVideoTracks().length === 0) {
    capture.stream.getTracks().forEach((t) => t.stop());
    throw new ShareError('NO_SOURCE', 'The screen capture has no picture');
  }
  return capture;
}
