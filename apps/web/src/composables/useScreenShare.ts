/**
 * Screen sharing to the call, on top of `useCall().startShare`: a thin mirror of the
 * capture (`media/screen-share.ts`) into refs.
 *
 * Track ownership: this composable captures the display stream and is the only one
 * that stops its tracks. The call session sends it to everyone (and to later joiners)
 * and takes the share down when the browser ends the capture; we stop the tracks on
 * the button, when the call took the share down, when the call ends, and when the
 * share is replaced.
 */
import { ref, shallowRef, watch, getCurrentScope, onScopeDispose, type Ref, type ShallowRef } from 'vue';
import type { UseCallReturn } from './useCall';
import { captureShare } from '../media/screen-share';
import { ShareError } from '../media/share-error';

/** What {@link useScreenShare} returns. */
export interface UseScreenShareReturn {
  /** The stream being shared, or null. */
  stream: Readonly<ShallowRef<MediaStream | null>>;
  /** True while sharing. */
  sharing: Readonly<Ref<boolean>>;
  /** Sound was asked for and the browser captured none (Firefox): the share is silent. */
  audioMissing: Readonly<Ref<boolean>>;
  /** Picking or starting is in progress. */
  busy: Readonly<Ref<boolean>>;
  /** Why the last start failed (cancelled picker, unsupported…), or null. */
  error: Ref<ShareError | null>;
  /** Show the browser's picker and share the choice with everyone. */
  start(): Promise<void>;
  /** Stop sharing (also done automatically when the browser ends the capture). */
  stop(): Promise<void>;
}

const stream = shallowRef<MediaStream | null>(null);
const sharing = ref(false);
const audioMissing = ref(false);
const busy = ref(false);
const error = ref<ShareError | null>(null);

/** Screen sharing state, shared page-wide (one share per page). */
export function useScreenShare(call: UseCallReturn): UseScreenShareReturn {
  async function stop(): Promise<void> {
    const s = stream.value;
    if (!s) return;
    stream.value = null;
    sharing.value = false;
    audioMissing.value = false;
    try {
      await call.stopShare();
    } catch (err) {
      console.warn('[share] stopShare failed', err);
    } finally {
      s.getTracks().forEach((t) => t.stop());
    }
  }

  async function start(): Promise<void> {
    if (busy.value) return;
    busy.value = true;
    error.value = null;
    try {
      const capture = await captureShare();
      await stop(); // Replace an earlier share.
      stream.value = capture.stream;
      sharing.value = true;
      audioMissing.value = capture.audioMissing;
      await call.startShare(capture.stream);
    } catch (err) {
      error.value = err instanceof ShareError ? err : new ShareError('SHARE_FAILED', String((err as Error)?.message ?? err), { cause: err });
      await stop();
    } finally {
      busy.value = false;
    }
  }

  if (getCurrentScope()) {
    // Leaving the call ends the share: release the capture.
    const stopWatch = watch(
      () => call.status.value,
      (status) => {
        if (status === 'left' || status === 'idle' || status === 'error') void stop();
      },
    );
    // The call took the share down ("Stop sharing" in the browser's own bar ended the
    // capture): release the rest of it.
    const stopShareWatch = watch(
      () => call.share.value,
      (shared) => {
        if (!shared && stream.value) void stop();
      },
      { flush: 'sync' },
    );
    onScopeDispose(() => {
      stopWatch();
      stopShareWatch();
    });
  }

  return { stream, sharing, audioMissing, busy, error, start, stop };
}
