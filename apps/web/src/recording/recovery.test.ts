import { describe, expect, it } from 'vitest';
import { FakeDir } from './fake-opfs.js';
import { OpfsRecordingStore } from './opfs-store.js';
import { heldLockNames, holdRecordingLock, lockName, recoveryAction, scanForRecovery } from './recovery.js';
import { fakeLocks } from './fake-locks.js';
import type { RecordingMeta } from './types.js';

const meta = (id: string, state: RecordingMeta['state'] = 'recording'): RecordingMeta => ({
  id,
  kind: 'meeting',
  room: 'r',
  startedAt: 1,
  mimeType: 'video/webm',
  state,
  bytes: 0,
  durationMs: null,
  seekable: false,
});


describe('recoveryAction', () => {
  const none = new Set<string>();
  it.each([
    ['done', none, 10, 'none'],
    ['failed', none, 10, 'none'],
    ['recording', none, 10, 'offer'],
    ['finalizing', none, 10, 'offer'],
    ['recording', none, 0, 'discard'],
    ['recording', new Set([lockName('a')]), 10, 'active'],
    ['finalizing', new Set([lockName('a')]), 10, 'active'],
  ] as const)('%s, locks %o, %i bytes → %s', (state, locks, bytes, expected) => {
    expect(recoveryAction(meta('a', state), locks, bytes)).toBe(expected);
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
  it('offers abandoned recordings with data, skips live and finished ones, deletes empty ones', async () => {
    const store = new OpfsRecordingStore(new FakeDir());
    const locks = fakeLocks();
    const crashed = await store.create(meta('crashed'));
    await crashed.append(new Blob(['12345']));
    await store.create(meta('empty'));
    const live = await store.create(meta('live'));
    await live.append(new Blob(['x']));
    await holdRecordingLock(locks, 'live');
    const mine = await store.create(meta('mine'));
    await mine.append(new Blob(['y']));
    await store.create(meta('finished', 'done'));

    const offers = await scanForRecovery(store, locks, new Set(['mine']));
    expect(offers.map((o) => [o.meta.id, o.rawBytes])).toEqual([['crashed', 5]]);
    expect(await store.get('empty')).toBeNull();
    expect(await store.get('live')).not.toBeNull();
    expect(await store.get('finished')).not.toBeNull();
  });
});
