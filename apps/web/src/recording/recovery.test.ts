import { describe, expect, it } from 'vitest';
import { FakeDir } from '../../test/recording/fake-opfs.js';
import { OpfsRecordingStore } from './opfs-store.js';
import {
  heldLockNames,
  holdRecordingLock,
  lockName,
  recoveryAction,
  scanForRecovery,
  whenRecordingUnlocked,
} from './recovery.js';
import { liveWebm, useBrowserBuffer } from '../../test/recording/browser-buffer.js';
import { fakeLocks } from '../../test/recording/fake-locks.js';
import type { RecordingMeta } from './types.js';

const meta = (id: string, state: RecordingMeta['state'] = 'recording'): RecordingMeta => ({
  id,
  kind: 'meeting',
  room: 'r',
  startedAt: 1,
  mimeType: 'video/webm;codecs=vp8,opus',
  state,
  bytes: 0,
  durationMs: null,
  seekable: false,
});

useBrowserBuffer();
const WEBM = liveWebm();
const part = (from: number, to?: number) => new Blob([WEBM.slice(from, to) as Uint8Array<ArrayBuffer>]);

describe('recoveryAction', () => {
  const none = new Set<string>();
  it.each([
    ['done', none, true, 'none'],
    ['failed', none, true, 'none'],
    ['recording', none, true, 'offer'],
    ['finalizing', none, true, 'offer'],
    ['recording', none, false, 'unusable'],
    ['recording', new Set([lockName('a')]), true, 'active'],
    ['finalizing', new Set([lockName('a')]), true, 'active'],
  ] as const)('%s, locks %o, playable %s → %s', (state, locks, playable, expected) => {
    expect(recoveryAction(meta('a', state), locks, playable)).toBe(expected);
  });
});

describe('recording locks', () => {
  it('holds the lock until released', async () => {
    const locks = fakeLocks();
    const release = await holdRecordingLock(locks, 'r1');
    expect(await heldLockNames(locks)).toEqual(new Set([lockName('r1')]));
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(await heldLockNames(locks)).toEqual(new Set());
  });

  it('works without the Web Locks API', async () => {
    expect(await heldLockNames(undefined)).toEqual(new Set());
    const release = await holdRecordingLock(undefined, 'x');
    expect(() => release()).not.toThrow();
  });
});

describe('scanForRecovery', () => {
  it('offers abandoned playable recordings, reports unusable ones, leaves live, own and finished ones', async () => {
    const store = new OpfsRecordingStore(new FakeDir());
    const locks = fakeLocks();
    const crashed = await store.create(meta('crashed'));
    await crashed.append(part(0, 1));
    await crashed.append(part(1, 5000));
    await store.create(meta('empty'));
    const live = await store.create(meta('live'));
    await live.append(part(0));
    await holdRecordingLock(locks, 'live');
    const mine = await store.create(meta('mine'));
    await mine.append(part(0));
    await store.create(meta('finished', 'done'));

    const scan = await scanForRecovery(store, locks, new Set(['mine']));
    expect(scan.interrupted.map((o) => [o.meta.id, o.rawBytes, o.usable]).sort()).toEqual([
      ['crashed', 5000, true],
      ['empty', 0, false],
    ]);
    expect(scan.locked).toEqual(['live']);
    // Nothing is deleted behind the user's back: the prompt reports it and they dismiss it.
    for (const id of ['empty', 'live', 'finished', 'mine']) expect(await store.get(id)).not.toBeNull();
  });

  it('never offers a recording whose only saved chunk is the first byte of the WebM header', async () => {
    // Chromium's first chunk on a loaded machine can be a single byte; the page died
    // before the second (rest of the header + first frames) was written.
    const store = new OpfsRecordingStore(new FakeDir());
    const w = await store.create(meta('cut'));
    await w.append(part(0, 1));
    const scan = await scanForRecovery(store, fakeLocks());
    expect(scan.interrupted).toEqual([expect.objectContaining({ rawBytes: 1, usable: false })]);
  });
});

describe('whenRecordingUnlocked', () => {
  it('resolves once the page holding the lock lets go', async () => {
    const locks = fakeLocks();
    const release = await holdRecordingLock(locks, 'dying');
    let free = false;
    const waiting = whenRecordingUnlocked(locks, 'dying').then(() => (free = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(free).toBe(false);
    release();
    await waiting;
    expect(free).toBe(true);
  });
});
