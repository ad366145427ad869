/**
 * Recording as Vue state: one recording engine per page, shared by the toolbar
 * controls and the recordings panel.
 *
 * Consent: while a recording runs and we are in a call, our `recording` flag is
 * published with `updateState`, so every participant shows "<name> is recording"; it
 * is cleared when the recording stops. In a call the flag is published, and its
 * acknowledgement awaited with retries, before the recorder starts; when the room
 * cannot be told the recording does not start (`NOTICE_FAILED`, see
 * `recording/recording-notice.ts`). Leaving the call clears it on the server side by
 * itself (we are gone), and a meeting recording stops with the call it records.
 */
import { getCurrentScope, onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import type { UseCallReturn } from './useCall';
import type { ActiveRecording, RecordingManager } from '../recording/recording-manager';
import type { RecoverableRecording } from '../recording/recovery';
import type { RecordingMeta } from '../recording/types';
import type { StorageEstimate } from '../recording/open-store';
import type { CompositorTile } from '../recording/meeting-compositor';
import { RecordingError } from '../recording/errors';
import { recordingFileName } from '../recording/file-name';
import { formatFromMime } from '../recording/mime';
import { announceRecording } from '../recording/recording-notice';

/** Options of {@link useRecording}. */
export interface UseRecordingOptions {
  /** The call (for the room name, participants and the consent flag). */
  call: UseCallReturn;
  /** Our own camera/microphone stream, drawn and mixed in meeting recordings. */
  localStream?: () => MediaStream | null;
}

/** What {@link useRecording} returns. */
export interface UseRecordingReturn {
  /** The recording in progress (refreshed twice a second), or null. */
  active: Readonly<ShallowRef<ActiveRecording | null>>;
  /** Starting or stopping is in progress (buttons disabled). */
  busy: Readonly<Ref<boolean>>;
  /** The last failure to show, or null. */
  error: Ref<RecordingError | null>;
  /** Stored recordings, newest first. */
  recordings: Readonly<ShallowRef<readonly RecordingMeta[]>>;
  /** Recordings interrupted by a reload or crash, to offer for recovery. */
  recoverable: Readonly<ShallowRef<readonly RecoverableRecording[]>>;
  /** false when recordings live only in memory (no OPFS): the UI warns. null until known. */
  persistent: Readonly<Ref<boolean | null>>;
  /** Storage used/available. */
  storage: Readonly<ShallowRef<StorageEstimate>>;
  startScreen(options?: { systemAudio?: boolean; microphone?: boolean }): Promise<void>;
  startMeeting(): Promise<void>;
  stop(): Promise<RecordingMeta | null>;
  pause(): void;
  resume(): void;
  /** Reload the list, the storage estimate and the recovery offers. */
  refresh(): Promise<void>;
  recover(id: string): Promise<void>;
  discard(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  /** The finished file of a recording (disk-backed Blob with OPFS). */
  file(id: string): Promise<Blob | null>;
  /** `meshmeet-<room>-<YYYYMMDD-HHMMSS>.<ext>` for a recording. */
  fileName(meta: RecordingMeta): string;
}

// Page-wide state: the toolbar and the lazily loaded panel must see one engine.
const active = shallowRef<ActiveRecording | null>(null);
const busy = ref(false);
const error = ref<RecordingError | null>(null);
const recordings = shallowRef<readonly RecordingMeta[]>([]);
const recoverable = shallowRef<readonly RecoverableRecording[]>([]);
const persistent = ref<boolean | null>(null);
const storage = shallowRef<StorageEstimate>({ usage: null, quota: null });
let managerPromise: Promise<RecordingManager> | null = null;
let progressTimer: ReturnType<typeof setInterval> | null = null;
let publishedRecording = false;
let currentCall: UseCallReturn | null = null;

function toRecordingError(err: unknown): RecordingError {
  return err instanceof RecordingError
    ? err
    : new RecordingError('RECORDER_FAILED', String((err as Error)?.message ?? err), { cause: err });
}

/** Publish our recording flag when it differs from what the room knows. */
function publishConsent(): void {
  const call = currentCall;
  if (!call) return;
  const want = active.value !== null;
  if (call.status.value !== 'joined') {
    publishedRecording = false;
    return;
  }
  if (want === publishedRecording) return;
  publishedRecording = want;
  call.updateState({ recording: want }).catch((err) => {
    publishedRecording = !want; // retry on the next change
    console.warn('[recording] could not publish the recording flag', err);
  });
}

/**
 * Runs before the recorder starts: in a call (joined or reconnecting), tells the room
 * and waits for the acknowledgement; rejects when it cannot, which cancels the start.
 * Outside a call there is no one to tell.
 */
async function tellRoomBeforeRecording(): Promise<void> {
  const call = currentCall;
  if (!call || (call.status.value !== 'joined' && call.status.value !== 'reconnecting')) return;
  // From the first attempt on the room may believe we record (an ack can be lost after
  // the server applied it): a start that then fails publishes `false` again.
  publishedRecording = true;
  await announceRecording({
    publish: (recording) => call.updateState({ recording }),
    // While reconnecting an update is only queued, not acknowledged: it does not count.
    canReach: () => call.status.value === 'joined',
  });
}

function syncActive(manager: RecordingManager): void {
  active.value = manager.active;
  publishConsent();
  if (manager.active && !progressTimer) {
    // Elapsed time moves even when no chunk arrives (paused excluded by the engine).
    progressTimer = setInterval(() => (active.value = manager.active), 500);
  } else if (!manager.active && progressTimer) {
    clearInterval(progressTimer);
    progressTimer = null;
  }
}

async function refreshWith(manager: RecordingManager): Promise<void> {
  const { estimateStorage } = await import('../recording/open-store');
  const [list, offers, estimate] = await Promise.all([manager.list(), manager.findRecoverable(), estimateStorage()]);
  recordings.value = list;
  recoverable.value = offers;
  storage.value = estimate;
}

/** The page's recording engine, created on first use (shared by every recording UI). */
export function recordingManager(): Promise<RecordingManager> {
  return getManager();
}

/** Interrupted recordings found by the last scan (usable ones and ones with nothing saved). */
export const recoverableRecordings: Readonly<ShallowRef<readonly RecoverableRecording[]>> = recoverable;

/** Scan for interrupted recordings and reload the list (what the recovery prompt shows). */
export async function refreshRecordings(): Promise<void> {
  await refreshWith(await getManager());
}

function getManager(): Promise<RecordingManager> {
  managerPromise ??= (async () => {
    const [{ openRecordingStore }, { RecordingManager }] = await Promise.all([
      import('../recording/open-store'),
      import('../recording/recording-manager'),
    ]);
    const store = await openRecordingStore();
    persistent.value = store.persistent;
    const manager = new RecordingManager({ store, beforeRecord: tellRoomBeforeRecording });
    manager.on('change', () => syncActive(manager));
    manager.on('error', (err) => (error.value = err));
    manager.on('finished', () => void refreshWith(manager));
    // A page that was going away during the scan let go of its recording: look again.
    manager.on('unlocked', () => void refreshWith(manager));
    return manager;
  })();
  managerPromise.catch(() => (managerPromise = null));
  return managerPromise;
}

/** The tiles of a meeting recording: us first, then everyone else and their shares. */
function meetingTiles(call: UseCallReturn, localStream: (() => MediaStream | null) | undefined): CompositorTile[] {
  const tiles: CompositorTile[] = [];
  const self = call.self.value;
  if (self) {
    tiles.push({ key: `self:${self.id}`, name: self.nick, stream: localStream?.() ?? null, kind: 'camera', videoOff: !self.cam });
  }
  for (const p of call.participants.value) {
    tiles.push({ key: p.id, name: p.nick, stream: p.cameraStream, kind: 'camera', videoOff: !p.cam });
    if (p.shareStream) tiles.push({ key: `${p.id}:share`, name: p.nick, stream: p.shareStream, kind: 'screen' });
  }
  return tiles;
}

/** Recording controls and stored recordings, shared page-wide. */
export function useRecording(options: UseRecordingOptions): UseRecordingReturn {
  const { call } = options;
  currentCall = call;

  if (getCurrentScope()) {
    const stopWatch = watch(
      () => call.status.value,
      async (status, previous) => {
        if (status === 'joined') publishConsent();
        else publishedRecording = false;
        // A meeting recording records this call: it ends when the call does.
        if (previous === 'joined' && (status === 'left' || status === 'idle') && active.value?.kind === 'meeting') {
          await stop();
        }
      },
    );
    onScopeDispose(stopWatch);
  }

  async function run<T>(fn: (m: RecordingManager) => Promise<T>): Promise<T | undefined> {
    busy.value = true;
    error.value = null;
    try {
      return await fn(await getManager());
    } catch (err) {
      error.value = toRecordingError(err);
      return undefined;
    } finally {
      busy.value = false;
    }
  }

  async function startScreen(opts: { systemAudio?: boolean; microphone?: boolean } = {}): Promise<void> {
    await run((m) => m.startScreen({ room: call.room.value, ...opts }));
    publishConsent(); // a start that failed after the room was told takes the notice back
  }

  async function startMeeting(): Promise<void> {
    if (call.status.value !== 'joined') {
      error.value = new RecordingError('NOT_IN_CALL', 'Join a call to record the meeting');
      return;
    }
    await run((m) => m.startMeeting({ room: call.room.value, getTiles: () => meetingTiles(call, options.localStream) }));
    publishConsent(); // a start that failed after the room was told takes the notice back
  }

  async function stop(): Promise<RecordingMeta | null> {
    return (await run((m) => m.stop())) ?? null;
  }

  return {
    active,
    busy,
    error,
    recordings,
    recoverable,
    persistent,
    storage,
    startScreen,
    startMeeting,
    stop,
    pause: () => void getManager().then((m) => m.pause()),
    resume: () => void getManager().then((m) => m.resume()),
    refresh: async () => void (await run(refreshWith)),
    recover: async (id) => void (await run(async (m) => {
      await m.recover(id);
      await refreshWith(m);
    })),
    discard: async (id) => void (await run(async (m) => {
      await m.remove(id);
      await refreshWith(m);
    })),
    remove: async (id) => void (await run(async (m) => {
      await m.remove(id);
      await refreshWith(m);
    })),
    file: async (id) => (await getManager()).file(id),
    fileName: (meta) => recordingFileName(meta.room, new Date(meta.startedAt), formatFromMime(meta.mimeType).extension),
  };
}
