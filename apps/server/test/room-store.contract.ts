import { describe, expect, it } from 'vitest';
import { DEFAULT_MEDIA_STATE, type Peer } from '@meshmeet/protocol';
import type { JoinInput, RoomStore } from '../src/rooms/room-store.js';
import { sleep, waitFor } from './helpers.js';

/** Builds a fresh, empty store for one test. */
export type StoreFactory = () => Promise<RoomStore>;

let seq = 0;
function peer(nick = `p${++seq}`): Peer {
  return { ...DEFAULT_MEDIA_STATE, id: `id${++seq}x`, nick };
}

function joinInput(room: string, p: Peer, extra: Partial<JoinInput> = {}): JoinInput {
  return {
    room,
    peer: p,
    socketId: `sock-${p.id}`,
    tokenHash: `tok-${p.id}`,
    maxSize: 8,
    expectPassword: null,
    createPassword: null,
    ...extra,
  };
}

const ids = (peers: Peer[]) => peers.map((p) => p.id).sort();

/**
 * The behaviour every {@link RoomStore} must have, run against each implementation
 * (the socket.io redis-adapter's shared test suite is the model).
 */
export function roomStoreContract(name: string, makeStore: StoreFactory): void {
  describe(`RoomStore contract: ${name}`, () => {
    it('joins return the others; lists hold everyone', async () => {
      const store = await makeStore();
      const a = peer('Ann');
      const b = peer('李雷');
      expect(await store.join(joinInput('r1', a))).toEqual({ kind: 'ok', members: [], created: true });
      expect(await store.join(joinInput('r1', b))).toEqual({ kind: 'ok', members: [a], created: false });
      expect(ids(await store.list('r1'))).toEqual(ids([a, b]));
      expect(await store.getMember('r1', b.id)).toMatchObject({ peer: b, socketId: `sock-${b.id}` });
      expect(await store.info('r1')).toEqual({ size: 2, password: null });
      expect(await store.stats()).toEqual({ rooms: 1, members: 2 });
    });

    it('keeps rooms apart, whatever their names look like', async () => {
      const store = await makeStore();
      const names = ['a', 'a:m', 'a|b', '*', '{a}', 'r:YQ:m', '会议室', 'a b', 'A'];
      for (const n of names) await store.join(joinInput(n, peer(n)));
      for (const n of names) {
        const list = await store.list(n);
        expect(list.map((p) => p.nick)).toEqual([n]);
      }
      expect((await store.stats()).rooms).toBe(names.length);
      expect(await store.list('unknown')).toEqual([]);
      expect(await store.info('unknown')).toBeNull();
    });

    it('loses no member when 100 join at the same moment', async () => {
      const store = await makeStore();
      const peers = Array.from({ length: 100 }, () => peer());
      const outcomes = await Promise.all(peers.map((p) => store.join(joinInput('crowd', p, { maxSize: 1000 }))));
      expect(outcomes.every((o) => o.kind === 'ok')).toBe(true);
      expect(ids(await store.list('crowd'))).toEqual(ids(peers));
    });

    it('creates at most the quota of rooms per key, counted atomically; joining existing rooms stays open', async () => {
      const store = await makeStore();
      const quota = { key: '203.0.113.7', limit: 3, windowMs: 60_000 };
      // Ten creations at the same moment: exactly three rooms come to exist.
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => store.join(joinInput(`q${i}`, peer(), { creationQuota: quota }))));
      expect(outcomes.filter((o) => o.kind === 'ok')).toHaveLength(3);
      expect(outcomes.filter((o) => o.kind === 'no-create')).toHaveLength(7);
      expect((await store.stats()).rooms).toBe(3);
      const made = outcomes.findIndex((o) => o.kind === 'ok');
      const refused = outcomes.findIndex((o) => o.kind === 'no-create');
      expect(await store.info(`q${refused}`)).toBeNull();
      // Joining a room that exists counts nothing and is never refused; other keys have their own quota.
      expect((await store.join(joinInput(`q${made}`, peer(), { creationQuota: quota }))).kind).toBe('ok');
      expect((await store.join(joinInput('other-key', peer(), { creationQuota: { ...quota, key: '198.51.100.9' } }))).kind).toBe('ok');
    });

    it('gives the creation quota back when its window ends', async () => {
      const store = await makeStore();
      const quota = { key: 'window-key', limit: 1, windowMs: 300 };
      const before = Date.now();
      expect((await store.join(joinInput('w1', peer(), { creationQuota: quota }))).kind).toBe('ok');
      expect(await store.join(joinInput('w2', peer(), { creationQuota: quota }))).toEqual({ kind: 'no-create' });
      // Refused until the window ends, then created.
      await waitFor('the quota window to end', async () => (await store.join(joinInput('w2', peer(), { creationQuota: quota }))).kind === 'ok');
      expect(Date.now() - before).toBeGreaterThanOrEqual(290);
    });

    it('never lets concurrent joiners exceed the capacity', async () => {
      const store = await makeStore();
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.join(joinInput('small', peer(), { maxSize: 8 }))));
      expect(outcomes.filter((o) => o.kind === 'ok')).toHaveLength(8);
      expect(outcomes.filter((o) => o.kind === 'full')).toHaveLength(12);
      expect(await store.list('small')).toHaveLength(8);
    });

    it('stores the first joiner’s password and checks the expectation of later ones', async () => {
      const store = await makeStore();
      await store.join(joinInput('locked', peer(), { createPassword: 'REC1' }));
      expect(await store.join(joinInput('locked', peer(), { createPassword: 'OTHER' }))).toEqual({ kind: 'password', current: 'REC1' });
      expect((await store.join(joinInput('locked', peer(), { expectPassword: 'REC1', createPassword: 'REC1' }))).kind).toBe('ok');
      expect((await store.info('locked'))?.password).toBe('REC1');
      // An open room stays open: a joiner's createPassword only applies to a new room.
      await store.join(joinInput('open', peer()));
      expect(await store.join(joinInput('open', peer(), { createPassword: 'X' }))).toMatchObject({ kind: 'ok' });
      expect((await store.info('open'))?.password).toBeNull();
    });

    it('removes a member only for its own socket, and the room with its last member', async () => {
      const store = await makeStore();
      const a = peer();
      const b = peer();
      await store.join(joinInput('r', a, { createPassword: 'PW' }));
      await store.join(joinInput('r', b, { expectPassword: 'PW' }));
      expect(await store.leave('r', a.id, 'someone-else')).toBe(false);
      expect(await store.leave('r', a.id, `sock-${a.id}`)).toBe(true);
      expect(await store.leave('r', a.id, `sock-${a.id}`)).toBe(false);
      expect(ids(await store.list('r'))).toEqual([b.id]);
      expect(await store.disconnect('r', b.id, `sock-${b.id}`, 0)).toBe('removed');
      expect(await store.info('r')).toBeNull();
      expect(await store.stats()).toEqual({ rooms: 0, members: 0 });
      // The password went with the room: a new first joiner sets its own.
      await store.join(joinInput('r', peer()));
      expect((await store.info('r'))?.password).toBeNull();
    });

    it('keeps a disconnected member for its grace window, then removes it', async () => {
      const store = await makeStore();
      const a = peer();
      const b = peer();
      await store.join(joinInput('g', a));
      await store.join(joinInput('g', b));
      expect(await store.disconnect('g', a.id, 'not-its-socket', 200)).toBe('stale');
      expect(await store.disconnect('g', a.id, `sock-${a.id}`, 200)).toBe('grace');
      expect(await store.getMember('g', a.id)).toMatchObject({ socketId: null });
      expect((await store.tick()).removed).toEqual([]);
      expect(await store.list('g')).toHaveLength(2);
      await sleep(260);
      expect((await store.tick()).removed).toEqual([{ room: 'g', id: a.id, reason: 'disconnected' }]);
      expect(ids(await store.list('g'))).toEqual([b.id]);
      // Its token died with it.
      expect(await store.resume({ tokenHash: `tok-${a.id}`, newTokenHash: 'n', socketId: 's', retryWindowMs: 0 })).toBeNull();
    });

    it('resumes with the token: same id, new socket, rotated token, grace cancelled', async () => {
      const store = await makeStore();
      const a = peer();
      const b = peer();
      await store.join(joinInput('res', a));
      await store.join(joinInput('res', b));
      await store.disconnect('res', a.id, `sock-${a.id}`, 150);
      const outcome = await store.resume({ tokenHash: `tok-${a.id}`, newTokenHash: 'tok2', socketId: 'sock-new', retryWindowMs: 0 });
      expect(outcome).toEqual({ room: 'res', self: a, members: [b], previousSocketId: null });
      expect(await store.getMember('res', a.id)).toMatchObject({ socketId: 'sock-new' });
      await sleep(200);
      expect((await store.tick()).removed).toEqual([]);
      expect(await store.list('res')).toHaveLength(2);
      // The old token is spent; the new one works, and reports the socket it replaces.
      expect(await store.resume({ tokenHash: `tok-${a.id}`, newTokenHash: 'x', socketId: 'y', retryWindowMs: 0 })).toBeNull();
      const again = await store.resume({ tokenHash: 'tok2', newTokenHash: 'tok3', socketId: 'sock-3', retryWindowMs: 0 });
      expect(again?.previousSocketId).toBe('sock-new');
      // The replaced socket can no longer act for the member.
      expect(await store.disconnect('res', a.id, 'sock-new', 0)).toBe('stale');
      expect(await store.update('res', a.id, 'sock-new', { mic: true })).toBeNull();
    });

    it('a resume retried with the same token (its answer was lost) succeeds within the window; older tokens fail', async () => {
      const store = await makeStore();
      const a = peer();
      await store.join(joinInput('retry', a));
      await store.disconnect('retry', a.id, `sock-${a.id}`, 5000);
      const first = await store.resume({ tokenHash: `tok-${a.id}`, newTokenHash: 'lost', socketId: 'sock-1', retryWindowMs: 5000 });
      expect(first?.self.id).toBe(a.id);
      // The answer carrying 'lost' never arrived; the client retries with the token it has.
      const retry = await store.resume({ tokenHash: `tok-${a.id}`, newTokenHash: 'kept', socketId: 'sock-2', retryWindowMs: 5000 });
      expect(retry).toMatchObject({ room: 'retry', self: a, previousSocketId: 'sock-1' });
      expect(await store.getMember('retry', a.id)).toMatchObject({ socketId: 'sock-2' });
      // The token of the lost answer is dead; the one received works and retires the original.
      expect(await store.resume({ tokenHash: 'lost', newTokenHash: 'x', socketId: 'y', retryWindowMs: 5000 })).toBeNull();
      expect(await store.resume({ tokenHash: 'kept', newTokenHash: 'next', socketId: 'sock-3', retryWindowMs: 5000 })).not.toBeNull();
      expect(await store.resume({ tokenHash: `tok-${a.id}`, newTokenHash: 'x', socketId: 'y', retryWindowMs: 5000 })).toBeNull();
      // The window closes.
      const b = peer();
      await store.join(joinInput('retry', b));
      await store.resume({ tokenHash: `tok-${b.id}`, newTokenHash: 'b2', socketId: 'sb', retryWindowMs: 100 });
      await sleep(150);
      expect(await store.resume({ tokenHash: `tok-${b.id}`, newTokenHash: 'b3', socketId: 'sc', retryWindowMs: 100 })).toBeNull();
      expect(await store.getMember('retry', b.id)).toMatchObject({ socketId: 'sb' });
      // Removing a member kills its previous token too.
      expect(await store.leave('retry', a.id, 'sock-3')).toBe(true);
      expect(await store.resume({ tokenHash: 'kept', newTokenHash: 'z', socketId: 'z', retryWindowMs: 5000 })).toBeNull();
    });

    it('updates one member’s state without touching the others', async () => {
      const store = await makeStore();
      const a = peer();
      const b = peer();
      await store.join(joinInput('u', a));
      await store.join(joinInput('u', b));
      const updated = await store.update('u', a.id, `sock-${a.id}`, { mic: true, shareStreamId: 'abc', nick: 'Änne' });
      expect(updated).toEqual({ ...a, mic: true, shareStreamId: 'abc', nick: 'Änne' });
      expect(await store.update('u', a.id, `sock-${a.id}`, { shareStreamId: null })).toMatchObject({ shareStreamId: null, mic: true });
      expect((await store.getMember('u', b.id))?.peer).toEqual(b);
      expect(await store.update('u', a.id, 'wrong-socket', { cam: true })).toBeNull();
    });
  });
}
