import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { ErrorCode, type JoinResult } from '@meshmeet/protocol';
import { startRedis } from '@meshmeet/testkit';
import { METRICS_AUTH, connect, record, request, requestOk, sleep, startNode, uniquePrefix, waitFor, type Client, type TestNode } from './helpers.js';

/**
 * The `signal` relay path across nodes: the membership view each node keeps current from
 * the others' member events (with the store as the authority on misses), the node-wide
 * in-flight budget, and recovery of a Redis subscriber that was cut off.
 */

const open: Client[] = [];
async function joined(node: TestNode, room: string, nick: string): Promise<{ c: Client; r: JoinResult }> {
  const c = await connect(node.url);
  open.push(c);
  return { c, r: await requestOk<JoinResult>(c, 'room:join', { room, nick }) };
}
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

describe('membership view on two nodes', () => {
  let n1: TestNode;
  let n2: TestNode;
  beforeAll(async () => {
    const shared = { redisUrl: inject('redisUrl'), redisPrefix: uniquePrefix(), resumeGraceMs: 0 };
    n1 = await startNode(shared);
    n2 = await startNode(shared);
  });
  afterAll(async () => {
    await n2.close();
    await n1.close();
  });

  it('delivers a signal to a peer that joined on the other node a moment ago (before its peer:joined arrived)', async () => {
    const a = await joined(n1, 'fresh', 'A');
    const b = await joined(n2, 'fresh', 'B');
    await requestOk(a.c, 'signal', { to: b.r.self.id, data: { n: 0 } }); // n1 now holds the room in its view
    const atC: unknown[] = [];
    const c = await connect(n2.url);
    open.push(c);
    c.on('signal', (p) => atC.push(p));
    const rc = await requestOk<JoinResult>(c, 'room:join', { room: 'fresh', nick: 'C' });
    // At once, as a client that learnt the id out of band would: the view of n1 may not know C yet.
    expect(await request(a.c, 'signal', { to: rc.self.id, data: { n: 1 } })).toEqual({ ok: true, data: null });
    await waitFor('signal at C', () => atC.length === 1);
    expect(atC[0]).toEqual({ from: a.r.self.id, data: { n: 1 } });
  });

  it('refuses a signal to a peer that left on the other node once its peer:left is seen, and delivers nothing', async () => {
    const a = await joined(n1, 'gone', 'A');
    const b = await joined(n2, 'gone', 'B');
    const atB = record(b.c, 'signal');
    // Both views now hold B as bound: a relay through them succeeds.
    await requestOk(a.c, 'signal', { to: b.r.self.id, data: { n: 0 } });
    await waitFor('first signal', () => atB.length === 1);
    const leftAtA = record(a.c, 'peer:left');
    await requestOk(b.c, 'room:leave');
    await waitFor('peer:left at A', () => leftAtA.length === 1);
    // B's socket is still connected (it only left the room): a stale view would deliver to it.
    expect(await request(a.c, 'signal', { to: b.r.self.id, data: { n: 1 } })).toMatchObject({ ok: false, error: { code: ErrorCode.PEER_NOT_FOUND } });
    await sleep(200);
    expect(atB).toHaveLength(1);
  });
});

describe('node-wide in-flight budget', () => {
  let n1: TestNode;
  let n2: TestNode;
  beforeAll(async () => {
    const shared = { redisUrl: inject('redisUrl'), redisPrefix: uniquePrefix(), resumeGraceMs: 0, relayMaxLoopDelayMs: 60_000 };
    // One relay may wait on Redis at a time on n1: a burst across nodes must be shed, not queued.
    n1 = await startNode({ ...shared, relayMaxInFlight: 1 });
    n2 = await startNode(shared);
  });
  afterAll(async () => {
    await n2.close();
    await n1.close();
  });

  it('answers relays past the budget with UNAVAILABLE at once; every relay acked ok arrives, no other does', async () => {
    const a = await joined(n1, 'budget', 'A');
    const b = await joined(n2, 'budget', 'B');
    const atB: { data: { n: number } }[] = [];
    b.c.on('signal', (p) => atB.push(p as unknown as { data: { n: number } }));
    const acks = await Promise.all(Array.from({ length: 50 }, (_, n) => request(a.c, 'signal', { to: b.r.self.id, data: { n } })));
    const okIdx = acks.flatMap((x, n) => (x.ok ? [n] : []));
    const refused = acks.filter((x) => !x.ok);
    expect(okIdx.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const x of refused) expect(x).toMatchObject({ ok: false, error: { code: ErrorCode.UNAVAILABLE } });
    await waitFor('acked relays at B', () => atB.length >= okIdx.length);
    await sleep(200);
    expect(atB.map((p) => p.data.n).sort((x, y) => x - y)).toEqual(okIdx);
    const metrics = (await n1.app.inject({ url: '/metrics', headers: METRICS_AUTH })).body;
    expect(metrics).toMatch(new RegExp(`^meshmeet_relays_shed_total\\{reason="in-flight"\\} ${refused.length}$`, 'm'));
  });
});

describe('a Redis subscriber cut off by Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let admin: Redis;
  let n1: TestNode;
  let n2: TestNode;
  beforeAll(async () => {
    // A Redis of its own: the test pauses it.
    redis = await startRedis();
    admin = new Redis(redis.url);
    const shared = { redisUrl: redis.url, redisPrefix: uniquePrefix(), resumeGraceMs: 0 };
    n1 = await startNode(shared);
    n2 = await startNode(shared);
  });
  afterAll(async () => {
    await n2.close();
    await n1.close();
    admin.disconnect();
    await redis.stop();
  });

  it('resubscribes; /readyz and the metrics show the cut; relays across nodes work again', async () => {
    const a = await joined(n1, 'cut', 'A');
    const b = await joined(n2, 'cut', 'B');
    const atA = record(a.c, 'signal');
    const atB = record(b.c, 'signal');
    await requestOk(a.c, 'signal', { to: b.r.self.id, data: { n: 0 } });
    await waitFor('before the cut', () => atB.length === 1);
    // What Redis does to a subscriber past client-output-buffer-limit; the pause holds its
    // resubscription back long enough to look at the node in between.
    await admin.multi().client('KILL', 'TYPE', 'pubsub').client('PAUSE', '1500', 'ALL').exec();
    let sawDown = false;
    await waitFor('readyz back to 200 after a 503', async () => {
      const res = await n2.app.inject({ url: '/readyz' });
      if (res.statusCode === 503) {
        expect(res.json()).toMatchObject({ status: 'unavailable', subscriber: 'down' });
        sawDown = true;
      }
      return sawDown && res.statusCode === 200;
    });
    expect((await n2.app.inject({ url: '/readyz' })).json()).toMatchObject({ status: 'ready', subscriber: 'up' });
    for (const node of [n1, n2]) {
      const metrics = (await node.app.inject({ url: '/metrics', headers: METRICS_AUTH })).body;
      expect(metrics).toMatch(/^meshmeet_redis_subscriber_reconnects_total 1$/m);
      expect(metrics).toMatch(/^meshmeet_redis_subscriber_up 1$/m);
    }
    expect(await request(a.c, 'signal', { to: b.r.self.id, data: { n: 1 } })).toEqual({ ok: true, data: null });
    expect(await request(b.c, 'signal', { to: a.r.self.id, data: { n: 2 } })).toEqual({ ok: true, data: null });
    await waitFor('after the cut', () => atB.length === 2 && atA.length === 1);
  });
});
