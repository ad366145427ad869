/**
 * Crash recovery: which stored recordings were left unfinished by a reload or crash.
 *
 * A recording in progress holds a Web Lock named {@link lockName}(id) for as long as
 * its page lives; the browser releases it when the page goes away, even on a crash.
 * So an entry whose state is still `recording`/`finalizing` and whose lock is free
 * was abandoned and can be finished from its chunks; one whose lock is held is being
 * recorded right now in another tab and must be left alone.
 *
 * "Was abandoned" is not "can be recovered": MediaRecorder's first chunk may hold
 * only part of the container header (see ./inspect). An abandoned recording whose
 * saved data has no playable start is reported as such ("nothing usable was
 * saved"), never offered as a file.
 */
import { inspectRecording } from './inspect.js';
import type { RecordingMeta, RecordingStore } from './types.js';

/** What to do with a stored recording at startup. */
export type RecoveryAction =
  /** Finished or failed before: nothing to do. */
  | 'none'
  /** Another live tab is recording it. */
  | 'active'
  /** Abandoned with a playable start saved: offer "recover". */
  | 'offer'
  /** Abandoned before anything playable was saved: tell the user, offer to dismiss. */
  | 'unusable';

/** The Web Locks name guarding a recording in progress. */
export const lockName = (id: string): string => `meshmeet-recording:${id}`;

/**
 * The Web Lock a worker writing a recording's chunk file holds while the file is open.
 * A page going away releases its own lock before its worker is gone; until this one is
 * free too, the worker may still be writing.
 */
export const writerLockName = (id: string): string => `meshmeet-recording-writer:${id}`;

const isHeld = (heldLocks: ReadonlySet<string>, id: string): boolean =>
  heldLocks.has(lockName(id)) || heldLocks.has(writerLockName(id));

/**
 * Decide what to do with one stored recording.
 *
 * @param meta - its metadata.
 * @param heldLocks - names of Web Locks currently held (by any tab of this origin).
 * @param playable - whether its stored chunks start with a playable header and frame.
 */
export function recoveryAction(meta: RecordingMeta, heldLocks: ReadonlySet<string>, playable: boolean): RecoveryAction {
  if (meta.state === 'done' || meta.state === 'failed') return 'none';
  if (isHeld(heldLocks, meta.id)) return 'active';
  return playable ? 'offer' : 'unusable';
}

/** The subset of the Web Locks API used here. */
export interface LocksLike {
  request(name: string, callback: () => Promise<unknown>): Promise<unknown>;
  query(): Promise<{ held?: Array<{ name?: string }> }>;
}

/** Names of locks held right now; empty when the Web Locks API is missing. */
export async function heldLockNames(locks: LocksLike | undefined): Promise<Set<string>> {
  if (!locks) return new Set();
  try {
    const snapshot = await locks.query();
    return new Set((snapshot.held ?? []).map((l) => l.name ?? '').filter(Boolean));
  } catch {
    return new Set();
  }
}

/**
 * Hold the lock of recording `id` until the returned release function is called.
 * Resolves once the lock is held and no worker writer of that recording is left (a
 * dead page's worker may outlive its lock for a moment). Without Web Locks it is a
 * no-op (then a second tab could offer to recover a recording that is still running:
 * documented limitation).
 */
export async function holdRecordingLock(locks: LocksLike | undefined, id: string): Promise<() => void> {
  if (!locks) return () => undefined;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await new Promise<void>((acquired) => {
    void locks.request(lockName(id), () => {
      acquired();
      return released;
    });
  });
  await locks.request(writerLockName(id), async () => undefined);
  return release;
}

/**
 * Resolves once nobody holds the lock of recording `id` (at once without Web Locks).
 * A page that is going away (reload, crash) still holds its lock for a moment, and
 * its last chunk write may still be landing: wait for that, then look again.
 */
export async function whenRecordingUnlocked(locks: LocksLike | undefined, id: string): Promise<void> {
  if (!locks) return;
  await locks.request(lockName(id), async () => undefined);
  await locks.request(writerLockName(id), async () => undefined);
}

/** An interrupted recording found at startup. */
export interface RecoverableRecording {
  meta: RecordingMeta;
  /** Bytes of the chunks that were saved. */
  rawBytes: number;
  /**
   * The saved data starts with a playable header and frame. When false, recovering
   * would give no file: the UI says nothing usable was saved and offers to dismiss.
   */
  usable: boolean;
}

/** What {@link scanForRecovery} found. */
export interface RecoveryScan {
  /** Abandoned recordings, usable or not (the UI shows both, differently). */
  interrupted: RecoverableRecording[];
  /** Unfinished recordings whose lock another page holds (recording, or going away). */
  locked: string[];
}

/**
 * Scan the store for recordings left unfinished by a reload or crash.
 *
 * @param ownIds - recordings running in this page (never reported).
 */
export async function scanForRecovery(
  store: RecordingStore,
  locks: LocksLike | undefined,
  ownIds: ReadonlySet<string> = new Set(),
): Promise<RecoveryScan> {
  const held = await heldLockNames(locks);
  const out: RecoveryScan = { interrupted: [], locked: [] };
  for (const meta of await store.list()) {
    if (ownIds.has(meta.id) || meta.state === 'done' || meta.state === 'failed') continue;
    if (isHeld(held, meta.id)) {
      out.locked.push(meta.id);
      continue;
    }
    const raw = await store.readChunks(meta.id);
    const { playable } = await inspectRecording(raw, meta.mimeType);
    if (recoveryAction(meta, held, playable) === 'offer') out.interrupted.push({ meta, rawBytes: raw.size, usable: true });
    else out.interrupted.push({ meta, rawBytes: raw.size, usable: false });
  }
  return out;
}
