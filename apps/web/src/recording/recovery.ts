/**
 * Crash recovery: which stored recordings were left unfinished by a reload or crash.
 *
 * A recording in progress holds a Web Lock named {@link lockName}(id) for as long as
 * its page lives; the browser releases it when the page goes away, even on a crash.
 * So an entry whose state is still `recording`/`finalizing` and whose lock is free
 * was abandoned and can be finished from its chunks; one whose lock is held is being
 * recorded right now in another tab and must be left alone.
 */
import type { RecordingMeta, RecordingStore } from './types.js';

/** What to do with a stored recording at startup. */
export type RecoveryAction =
  /** Finished or failed before: nothing to do. */
  | 'none'
  /** Another live tab is recording it. */
  | 'active'
  /** Abandoned with data: offer "recover". */
  | 'offer'
  /** Abandoned before any data was written: delete silently. */
  | 'discard';

/** The Web Locks name guarding a recording in progress. */
export const lockName = (id: string): string => `meshmeet-recording:${id}`;

/**
 * Decide what to do with one stored recording.
 *
 * @param meta - its metadata.
 * @param heldLocks - names of Web Locks currently held (by any tab of this origin).
 * @param rawBytes - bytes of its stored chunks.
 */
export function recoveryAction(meta: RecordingMeta, heldLocks: ReadonlySet<string>, rawBytes: number): RecoveryAction {
  if (meta.state === 'done' || meta.state === 'failed') return 'none';
  if (heldLocks.has(lockName(meta.id))) return 'active';
  return rawBytes > 0 ? 'offer' : 'discard';
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
 * Resolves once the lock is held. Without Web Locks it is a no-op (then a second tab
 * could offer to recover a recording that is still running: documented limitation).
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
  return release;
}

/** A recording that can be recovered, with the size of what was written. */
export interface RecoverableRecording {
  meta: RecordingMeta;
  rawBytes: number;
}

/**
 * Scan the store: returns the recordings to offer for recovery, and deletes the
 * abandoned ones that hold no data.
 *
 * @param ownIds - recordings running in this page (never offered).
 */
export async function scanForRecovery(
  store: RecordingStore,
  locks: LocksLike | undefined,
  ownIds: ReadonlySet<string> = new Set(),
): Promise<RecoverableRecording[]> {
  const held = await heldLockNames(locks);
  for (const id of ownIds) held.add(lockName(id));
  const out: RecoverableRecording[] = [];
  for (const meta of await store.list()) {
    if (meta.state === 'done' || meta.state === 'failed') continue;
    const rawBytes = held.has(lockName(meta.id)) ? 0 : (await store.readChunks(meta.id)).size;
    const action = recoveryAction(meta, held, rawBytes);
    if (action === 'offer') out.push({ meta, rawBytes });
    else if (action === 'discard') await store.remove(meta.id).catch(() => undefined);
  }
  return out;
}
