import { computed, getCurrentScope, onScopeDispose, shallowRef, type ComputedRef, type Ref } from 'vue';
import { classifyDevices, supportsSpeakerSelection, type DeviceLists, type DeviceOption, type LabelFallback } from '../media/devices';

/** Options of {@link useDevices}. */
export interface UseDevicesOptions {
  /**
   * Where `mediaDevices` comes from; tests pass a fake.
   * @default globalThis.navigator
   */
  navigator?: { mediaDevices?: Pick<MediaDevices, 'enumerateDevices' | 'addEventListener' | 'removeEventListener'> };
  /** Names for devices without a label (before permission). Reactive sources (i18n) are fine. */
  fallbackLabel?: LabelFallback;
  /**
   * Whether media elements support `setSinkId`.
   * @default detected from HTMLMediaElement
   */
  speakerSelection?: boolean;
}

/** What {@link useDevices} returns. */
export interface UseDevicesReturn {
  cameras: ComputedRef<DeviceOption[]>;
  microphones: ComputedRef<DeviceOption[]>;
  speakers: ComputedRef<DeviceOption[]>;
  /** True once the browser shows real labels (after a permission grant). */
  labelled: ComputedRef<boolean>;
  /** False in insecure contexts and old browsers: no device access at all. */
  supported: boolean;
  /** Whether the speaker can be chosen (`setSinkId`). */
  speakerSelection: boolean;
  /** Last enumeration error, if any. */
  error: Ref<unknown>;
  /** Re-lists devices; call after getUserMedia succeeds so labels appear. */
  refresh(): Promise<void>;
}

/**
 * The camera, microphone and speaker lists, kept current on `devicechange`
 * (plugging in a headset updates the selectors without a reload).
 */
export function useDevices(options: UseDevicesOptions = {}): UseDevicesReturn {
  const md = (options.navigator ?? globalThis.navigator)?.mediaDevices;
  const raw = shallowRef<MediaDeviceInfo[]>([]);
  const error = shallowRef<unknown>(null);
  // Classified lazily so fallback labels follow a language switch.
  const lists = computed<DeviceLists>(() => classifyDevices(raw.value, options.fallbackLabel));

  let generation = 0;
  async function refresh(): Promise<void> {
    if (!md?.enumerateDevices) return;
    // Overlapping refreshes (devicechange bursts on plug-in) must not let an older
    // answer overwrite a newer one.
    const mine = ++generation;
    try {
      const list = await md.enumerateDevices();
      if (mine === generation) {
        raw.value = list;
        error.value = null;
      }
    } catch (e) {
      if (mine === generation) error.value = e;
    }
  }

  const onChange = (): void => void refresh();
  md?.addEventListener?.('devicechange', onChange);
  if (getCurrentScope()) onScopeDispose(() => md?.removeEventListener?.('devicechange', onChange));
  void refresh();

  return {
    cameras: computed(() => lists.value.cameras),
    microphones: computed(() => lists.value.microphones),
    speakers: computed(() => lists.value.speakers),
    labelled: computed(() => lists.value.labelled),
    supported: !!md?.enumerateDevices,
    speakerSelection: options.speakerSelection ?? supportsSpeakerSelection(),
    error,
    refresh,
  };
}
