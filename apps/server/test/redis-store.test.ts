import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { DEFAULT_MEDIA_STATE } from '@meshmeet/protocol';
import { RedisRoomStore } from '../src/rooms/redis-store.js';
import { roomStoreContract } from './room-store.contract.js';
import { waitFor } from '@meshmeet/testkit';
import { sleep, uniquePrefix } from './helpers.js';

const clients: Redis[] = [];
function client(): Redis {
  const r = new Redis(inject('redisUrl'));
  clients.push(r);
  return r;
}
afterAll(() => clients.forEach((c) => c.disconnect()));

roomStoreContract('redis', async () => new RedisRoomStore(client(), { prefix: uniquePrefix(), nodeId: 'n1', nodeDeadAfterMs: 10_000 }));

describe('RedisRoomStore specifics', () => {
  it('publishes a join’s announcement in the same step as the insert, and none for a refused join', async () => {
    const prefix = uniquePrefix();
    const store = new RedisRoomStore(client(), { prefix, nodeId: 'n1', nodeDeadAfterMs: 10_000 });
    const sub = client();
    const channel = `${prefix}news`;
    const heard: string[] = [];
    sub.on('smessage', (_channel: string, message: string) => heard.push(message));
    await sub.ssubscribe(channel);
    const join = (id: string) =>
      store.join({
        room: 'small',
        peer: { ...DEFAULT_MEDIA_STATE, id, nick: id },
        socketId: `s-${id}`,
        tokenHash: `t-${id}`,
        maxSize: 1,
        expectPassword: null,
        createPassword: null,
        announce: { channel, message: `${id} is in` },
      });
    expect((await join('a')).kind).toBe('ok');
    expect((await join('b')).kind).toBe('full');
    // A PING on the subscriber comes back after every message published before it.
    await sub.ping();
    expect(heard).toEqual(['a is in']);
  });

  it('puts every key under the prefix and no room name in any key', async () => {
    const prefix = uniquePrefix();
    const redis = client();
    const store = new RedisRoomStore(redis, { prefix, nodeId: 'n1', nodeDeadAfterMs: 10_000 });
    const evil = 'x*:{y}|\nz 会';
    await store.join({
      room: evil,
      peer: { ...DEFAULT_MEDIA_STATE, id: 'abc', nick: 'n' },
      socketId: 's',
      tokenHash: 't',
      maxSize: 8,
      expectPassword: null,
      createPassword: 'pw',
    });
    await store.tick();
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(3);
    for (const key of keys) {
      expect(key.startsWith(prefix)).toBe(true);
      expect(key.slice(prefix.length)).toMatch(/^[A-Za-z0-9_:|-]+$/);
    }
    expect((await store.list(evil)).map((p) => p.id)).toEqual(['abc']);
  });

  it('reaps the members of a node that stopped heartbeating, from a surviving node', async () => {
    const prefix = uniquePrefix();
    const dead = new RedisRoomStore(client(), { prefix, nodeId: 'dead', nodeDeadAfterMs: 400 });
    const alive = new RedisRoomStore(client(), { prefix, nodeId: 'alive', nodeDeadAfterMs: 400 });
    const join = (store: RedisRoomStore, id: string) =>
      store.join({ room: 'r', peer: { ...DEFAULT_MEDIA_STATE, id, nick: id }, socketId: `s${id}`, tokenHash: `t${id}`, maxSize: 8, expectPassword: null, createPassword: null });
    await dead.tick();
    await alive.tick();
    await join(dead, 'd1');
    await join(dead, 'd2');
    await join(alive, 'a1');
    // Before the deadline nothing happens; after it, the survivor removes exactly the dead node's members.
    expect((await alive.tick()).removed).toEqual([]);
    const removed = [];
    for (let i = 0; i < 8; i++) {
      await sleep(100);
      removed.push(...(await alive.tick()).removed);
    }
    expect(removed.map((r) => r.id).sort()).toEqual(['d1', 'd2']);
    expect(removed.every((r) => r.reason === 'node-down' && r.room === 'r')).toBe(true);
    expect((await alive.list('r')).map((p) => p.id)).toEqual(['a1']);
    // Had the "dead" node only been paused, its next tick tells it so, once.
    expect(await dead.tick()).toEqual({ removed: [], selfReaped: true });
    expect((await dead.tick()).selfReaped).toBe(false);
  });

  it('a node just started reaps a dead node only once its own heartbeat is NODE_DEAD_AFTER_MS old; a member that resumed elsewhere stays', async () => {
    const prefix = uniquePrefix();
    const old = new RedisRoomStore(client(), { prefix, nodeId: 'old', nodeDeadAfterMs: 300 });
    await old.tick();
    for (const id of ['m1', 'm2']) {
      await old.join({ room: 'r', peer: { ...DEFAULT_MEDIA_STATE, id, nick: id }, socketId: `s${id}`, tokenHash: `t${id}`, maxSize: 8, expectPassword: null, createPassword: null });
    }
    // m2's client moved to a node that is just starting, before the old one died.
    const fresh = new RedisRoomStore(client(), { prefix, nodeId: 'fresh', nodeDeadAfterMs: 300 });
    expect(await fresh.resume({ tokenHash: 'tm2', newTokenHash: 'tm2b', socketId: 'x', retryWindowMs: 0 })).not.toBeNull();
    // The old node looks long dead, but the fresh one has only just begun to heartbeat.
    await client().zadd(`${prefix}nodes`, 1, 'old');
    expect((await fresh.tick()).removed).toEqual([]);
    const removed = await tickUntilRemoved(fresh);
    expect(removed).toEqual([{ room: 'r', id: 'm1', reason: 'node-down' }]);
    expect((await fresh.list('r')).map((p) => p.id)).toEqual(['m2']);
  });

  it('after a Redis outage, reaps nobody until its own heartbeat has been healthy for NODE_DEAD_AFTER_MS; then a node that never came back is reaped', async () => {
    const prefix = uniquePrefix();
    const deadAfter = 1000;
    const a = new RedisRoomStore(client(), { prefix, nodeId: 'a', nodeDeadAfterMs: deadAfter });
    const b = new RedisRoomStore(client(), { prefix, nodeId: 'b', nodeDeadAfterMs: deadAfter });
    await a.tick();
    await b.tick();
    await b.join({ room: 'r', peer: { ...DEFAULT_MEDIA_STATE, id: 'bm', nick: 'b' }, socketId: 's', tokenHash: 't', maxSize: 8, expectPassword: null, createPassword: null });
    const redis = client();
    // Neither node could heartbeat for far longer than the deadline (as during an outage).
    await redis.zadd(`${prefix}nodes`, 1, 'a', 1, 'b');
    // a is back first and keeps heartbeating; b has not reconnected yet. Before the fix, a's
    // second heartbeat (fresh again) let it reap b at once.
    for (let i = 0; i < 5; i++) expect((await a.tick()).removed).toEqual([]);
    // b reconnects within NODE_DEAD_AFTER_MS of a's return and heartbeats.
    await b.tick();
    // a's healthy run reaches the deadline: it may reap now, and b is alive.
    const passed = await tickUntilReapAllowed(a, redis, prefix, deadAfter, [b]);
    expect(passed).toEqual([]);
    expect((await a.list('r')).map((p) => p.id)).toEqual(['bm']);
    // b goes silent for good: a reaps it.
    await redis.zadd(`${prefix}nodes`, 1, 'b');
    expect(await tickUntilRemoved(a)).toEqual([{ room: 'r', id: 'bm', reason: 'node-down' }]);
  });
});

/** Ticks `store` every 50 ms until it removes something (at most 10 s); returns what it removed. */
async function tickUntilRemoved(store: RedisRoomStore): Promise<unknown[]> {
  let removed: unknown[] = [];
  await waitFor(
    'a tick that reaps',
    async () => {
      removed = (await store.tick()).removed;
      return removed.length > 0;
    },
    { timeoutMs: 10_000, intervalMs: 50 },
  );
  return removed;
}

/**
 * Ticks `store` (and the live `others`, so they stay healthy) every 50 ms until a tick of
 * `store` ran with its healthy run at least `deadAfter` long (its heartbeat in `P nodes`
 * is that far past the start of the run in `P nodes:since`); returns everything removed.
 */
async function tickUntilReapAllowed(store: RedisRoomStore, redis: Redis, prefix: string, deadAfter: number, others: RedisRoomStore[]): Promise<unknown[]> {
  const nodeId = (store as unknown as { opts: { nodeId: string } }).opts.nodeId;
  const removed: unknown[] = [];
  await waitFor(
    'the healthy run to reach NODE_DEAD_AFTER_MS',
    async () => {
      removed.push(...(await store.tick()).removed);
      for (const o of others) await o.tick();
      const [beat, since] = await Promise.all([redis.zscore(`${prefix}nodes`, nodeId), redis.hget(`${prefix}nodes:since`, nodeId)]);
      return Number(beat) - Number(since) >= deadAfter;
    },
    { timeoutMs: 10_000, intervalMs: 50 },
  );
  return removed;
}
