import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { DEFAULT_MEDIA_STATE } from '@meshmeet/protocol';
import { RedisRoomStore } from '../src/rooms/redis-store.js';
import { roomStoreContract } from './room-store.contract.js';
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

  it('reaps a dead node at start-up, and a member that resumed elsewhere is not reaped', async () => {
    const prefix = uniquePrefix();
    const old = new RedisRoomStore(client(), { prefix, nodeId: 'old', nodeDeadAfterMs: 300 });
    await old.tick();
    for (const id of ['m1', 'm2']) {
      await old.join({ room: 'r', peer: { ...DEFAULT_MEDIA_STATE, id, nick: id }, socketId: `s${id}`, tokenHash: `t${id}`, maxSize: 8, expectPassword: null, createPassword: null });
    }
    // m2's client moved to a node that is just starting, before the old one died.
    const fresh = new RedisRoomStore(client(), { prefix, nodeId: 'fresh', nodeDeadAfterMs: 300 });
    expect(await fresh.resume({ tokenHash: 'tm2', newTokenHash: 'tm2b', socketId: 'x' })).not.toBeNull();
    await sleep(400);
    // Its first tick (start-up) reaps the dead node's remaining member, not the one that moved.
    expect((await fresh.tick()).removed).toEqual([{ room: 'r', id: 'm1', reason: 'node-down' }]);
    expect((await fresh.list('r')).map((p) => p.id)).toEqual(['m2']);
  });

  it('does not take live nodes for dead right after a Redis outage', async () => {
    const prefix = uniquePrefix();
    const a = new RedisRoomStore(client(), { prefix, nodeId: 'a', nodeDeadAfterMs: 300 });
    const b = new RedisRoomStore(client(), { prefix, nodeId: 'b', nodeDeadAfterMs: 300 });
    await a.tick();
    await b.tick();
    await b.join({ room: 'r', peer: { ...DEFAULT_MEDIA_STATE, id: 'bm', nick: 'b' }, socketId: 's', tokenHash: 't', maxSize: 8, expectPassword: null, createPassword: null });
    // Neither node could heartbeat for longer than the deadline (as during an outage).
    await sleep(450);
    // The first node back heartbeats but must not reap: its own heartbeat was stale too.
    expect((await a.tick()).removed).toEqual([]);
    await b.tick();
    await sleep(50);
    expect((await a.tick()).removed).toEqual([]);
    expect(await a.list('r')).toHaveLength(1);
  });
});
