/**
 * Media device listing and getUserMedia error classification. Framework-free:
 * the browser objects come in as parameters so tests pass fakes.
 */

/** One selectable device. */
export interface DeviceOption {
  deviceId: string;
  groupId: string;
  /** The browser's label, or a numbered fallback before permission is granted. */
  label: string;
}

/** Devices by role. */
export interface DeviceLists {
  cameras: DeviceOption[];
  microphones: DeviceOption[];
  speakers: DeviceOption[];
  /**
   * Whether labels are real: browsers hide labels (and often ids) until the page has
   * been granted camera or microphone access once.
   */
  labelled: boolean;
}

/** Fallback name for an unlabelled device; gets the kind and its 1-based position. */
export type LabelFallback = (kind: MediaDeviceKind, index: number) => string;

const defaultFallback: LabelFallback = (kind, i) =>
  `${kind === 'videoinput' ? 'Camera' : kind === 'audioinput' ? 'Microphone' : 'Speaker'} ${i}`;

/** Sorts `enumerateDevices()` output into cameras, microphones and speakers. */
export function classifyDevices(list: readonly MediaDeviceInfo[], fallback: LabelFallback = defaultFallback): DeviceLists {
  const out: DeviceLists = { cameras: [], microphones: [], speakers: [], labelled: false };
  const seen = new Set<string>();
  for (const d of list) {
    const target =
      d.kind === 'videoinput' ? out.cameras : d.kind === 'audioinput' ? out.microphones : d.kind === 'audiooutput' ? out.speakers : null;
    if (!target) continue;
    // Before permission Chrome lists one entry per kind with an empty id; keep it so
    // the UI knows a device exists, but never twice.
    const key = `${d.kind}/${d.deviceId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (d.label) out.labelled = true;
    target.push({ deviceId: d.deviceId, groupId: d.groupId, label: d.label || fallback(d.kind, target.length + 1) });
  }
  return out;
}

/** Lists devices; an unavailable API (insecure context) yields empty lists, not an error. */
export async function enumerateDevices(
  mediaDevices: Pick<MediaDevices, 'enumerateDevices'> | undefined,
  fallback?: LabelFallback,
): Promise<DeviceLists> {
  if (!mediaDevices?.enumerateDevices) return { cameras: [], microphones: [], speakers: [], labelled: false };
  return classifyDevices(await mediaDevices.enumerateDevices(), fallback);
}

/** What went wrong when opening a device, in terms of what the user can do about it. */
export type MediaErrorKind =
  /** The user or a policy blocked access: re-allow it in the site settings. */
  | 'permission-denied'
  /** No such device: plug one in, or join to watch and listen. */
  | 'no-device'
  /** The device exists but could not be opened: another app is using it. */
  | 'device-busy'
  /** No device can satisfy the constraints: lower the resolution or pick another device. */
  | 'overconstrained'
  /** The page is not a secure context (http on a LAN address): use https or localhost. */
  | 'insecure-context'
  /** A live device disappeared (unplugged, driver reset). */
  | 'device-lost'
  /** Anything else. */
  | 'unknown';

/** A classified media error. */
export interface MediaErrorInfo {
  kind: MediaErrorKind;
  /** The DOMException name, e.g. `NotAllowedError` (for support, not for users). */
  name: string;
  /** The browser's message (for support, not for users). */
  message: string;
  /** For `overconstrained`: the constraint that could not be met, e.g. `width`. */
  constraint?: string;
}

/** Legacy names from older Chrome/Firefox versions, mapped like their standard ones. */
const KIND_BY_NAME: Readonly<Record<string, MediaErrorKind>> = {
  NotAllowedError: 'permission-denied',
  PermissionDeniedError: 'permission-denied',
  // A permissions policy or an insecure context refusing access.
  SecurityError: 'permission-denied',
  NotFoundError: 'no-device',
  DevicesNotFoundError: 'no-device',
  NotReadableError: 'device-busy',
  TrackStartError: 'device-busy',
  // Chrome and Firefox report some "could not start the source" failures as AbortError;
  // the remedy (close other apps, try again) is the same as NotReadableError.
  AbortError: 'device-busy',
  OverconstrainedError: 'overconstrained',
  ConstraintNotSatisfiedError: 'overconstrained',
};

/** Maps anything getUserMedia rejected with to a {@link MediaErrorInfo}. */
export function classifyMediaError(err: unknown): MediaErrorInfo {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; message?: unknown; constraint?: unknown };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' ? e.message : String(err);
  const info: MediaErrorInfo = { kind: KIND_BY_NAME[name] ?? 'unknown', name, message };
  if (info.kind === 'overconstrained' && typeof e.constraint === 'string' && e.constraint) info.constraint = e.constraint;
  return info;
}

/** The error to report when `navigator.mediaDevices` is missing altogether. */
export function missingMediaDevicesError(isSecureContext: boolean): MediaErrorInfo {
  return isSecureContext
    ? { kind: 'unknown', name: 'NotSupportedError', message: 'navigator.mediaDevices is not available' }
    : { kind: 'insecure-context', name: 'SecurityError', message: 'camera and microphone need https or localhost' };
}

/** Whether media elements can choose their output device (`setSinkId`; not in Firefox < 116 nor Safari). */
export function supportsSpeakerSelection(proto: object | undefined = globalThis.HTMLMediaElement?.prototype): boolean {
  return !!proto && 'setSinkId' in proto;
}

/** Whether the camera behind `track` can be switched front/back (phones). */
export function canSwitchFacing(track: MediaStreamTrack | null): boolean {
  const caps = track?.getCapabilities?.();
  return !!caps?.facingMode && caps.facingMode.length > 0;
}
