import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { JoinResult, PeerLeft } from '@meshmeet/protocol';
import { redisCommand, startRedis, type RedisHandle } from '@meshmeet/testkit';
import { clientsClosedAfterEach, record, request, sleep, startNode, uniquePrefix, waitFor, type TestNode } from './helpers.js';

const { joined } = clientsClosedAfterEach();

/** How long Redis stays stopped: well past the nodes' NODE_DEAD_AFTER_MS. */
const OUTAGE_MS = 20_000;
const NODE_DEAD_AFTER_MS = 6000;

/**
 * A TCP forwarder in front of Redis whose gate the test holds: while closed, new
 * connections are accepted but held unanswered (as on a path that has not recovered yet);
 * opening it forwards them at once. Connections already forwarded close with Redis.
 */
class RedisGate {
  private server: Server;
  private held: Socket[] = [];
  private open = true;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly upstreamPort: number) {
    this.server = createServer((client) => {
      this.sockets.add(client);
      client.once('close', () => this.sockets.delete(client));
      client.on('error', () => client.destroy());
      client.pause();
      if (this.open) this.forward(client);
      else this.held.push(client);
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  close(): void {
    this.open = false;
  }

  openNow(): void {
    this.open = true;
    for (const c of this.held.splice(0)) if (!c.destroyed) this.forward(c);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }

  private forward(client: Socket): void {
    const upstream = tcpConnect(this.upstreamPort, '127.0.0.1');
    this.sockets.add(upstream);
    upstream.once('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => upstream.destroy());
    client.once('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

describe('a 20 s Redis outage with two nodes', () => {
  const prefix = uniquePrefix();
  const dir = mkdtempSync(join(tmpdir(), 'meshmeet-outage-'));
  let redis: RedisHandle;
  let gate: RedisGate;
  let admin: Redis;
  let n1: TestNode;
  let n2: TestNode;
  beforeAll(async () => {
    // A Redis of its own that the test stops and starts, keeping its data on disk across
    // the restart as a production Redis with persistence does.
    redis = await startRedis({ extraArgs: ['--dir', dir] });
    gate = new RedisGate(redis.port);
    await gate.listen();
    admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 200 });
    admin.on('error', () => undefined);
    const shared = { redisPrefix: prefix, nodeDeadAfterMs: NODE_DEAD_AFTER_MS };
    n1 = await startNode({ ...shared, redisUrl: redis.url });
    n2 = await startNode({ ...shared, redisUrl: `redis://127.0.0.1:${gate.port}` });
  });
  afterAll(async () => {
    await n2?.close();
    await n1?.close();
    admin?.disconnect();
    await gate?.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'no member of a live node is removed, even when one node gets back to Redis later than the other; signaling works again',
    { timeout: 90_000 },
    async () => {
      const a = await joined(n1, 'outage', 'A');
      const b = await joined(n2, 'outage', 'B');
      const leftAtA: PeerLeft[] = record(a.c, 'peer:left');
      const leftAtB: PeerLeft[] = record(b.c, 'peer:left');
      const signalsAtB = record(b.c, 'signal');
      expect(await request(a.c, 'signal', { to: b.r.self.id, data: { n: 0 } })).toEqual({ ok: true, data: null });
      await waitFor('the signal before the outage', () => signalsAtB.length === 1);

      // Redis stops (saving its data), n2's path to it stays shut until told.
      await redisCommand('127.0.0.1', redis.port, 'SHUTDOWN SAVE');
      await waitFor('redis-server to exit', () => redis.proc.child.exitCode !== null || redis.proc.child.signalCode !== null);
      gate.close();
      for (const node of [n1, n2]) {
        await waitFor('readyz 503 during the outage', async () => (await node.app.inject({ url: '/readyz' })).statusCode === 503);
      }
      await sleep(OUTAGE_MS);
      redis = await startRedis({ port: redis.port, extraArgs: ['--dir', dir] });
      await admin.connect();

      // n1 is back and heartbeats; n2's last heartbeat is 20 s old. Keep n2 away until n1
      // has heartbeated twice: one fresh heartbeat of its own used to be enough for n1 to
      // take n2 for dead and remove B.
      const beats = new Set<string>();
      await waitFor(
        'two heartbeats of n1 after the restart',
        async () => {
          const score = await admin.zscore(`${prefix}nodes`, n1.nodeId);
          if (score) beats.add(score);
          return beats.size >= 3; // the score saved before the outage, then two new ones
        },
        15_000,
      );
      expect(await n1.store.getMember('outage', b.r.self.id)).toMatchObject({ socketId: b.c.id });
      gate.openNow();
      await waitFor('both nodes ready again', async () => {
        const codes = await Promise.all([n1, n2].map(async (n) => (await n.app.inject({ url: '/readyz' })).statusCode));
        return codes.every((c) => c === 200);
      });

      // Wait until n1 has run a tick with its healthy run a full NODE_DEAD_AFTER_MS long,
      // i.e. a tick that was allowed to reap: n2 had come back by then.
      await waitFor(
        "n1's healthy run to reach NODE_DEAD_AFTER_MS",
        async () => {
          const [beat, since] = await Promise.all([admin.zscore(`${prefix}nodes`, n1.nodeId), admin.hget(`${prefix}nodes:since`, n1.nodeId)]);
          return Number(beat) - Number(since) >= NODE_DEAD_AFTER_MS;
        },
        NODE_DEAD_AFTER_MS + 10_000,
      );
      expect(await n1.store.getMember('outage', a.r.self.id)).toMatchObject({ socketId: a.c.id });
      expect(await n2.store.getMember('outage', b.r.self.id)).toMatchObject({ socketId: b.c.id });
      expect((await n1.store.list('outage')).map((p) => p.id).sort()).toEqual([a.r.self.id, b.r.self.id].sort());
      expect(leftAtA).toEqual([]);
      expect(leftAtB).toEqual([]);
      expect(a.c.connected && b.c.connected).toBe(true);

      // Signaling between the nodes works again, both ways.
      const signalsAtA = record(a.c, 'signal');
      expect(await request(a.c, 'signal', { to: b.r.self.id, data: { n: 1 } })).toEqual({ ok: true, data: null });
      expect(await request(b.c, 'signal', { to: a.r.self.id, data: { n: 2 } })).toEqual({ ok: true, data: null });
      await waitFor('signals after the outage', () => signalsAtB.length === 2 && signalsAtA.length === 1);
      expect(signalsAtB[1]).toEqual({ from: a.r.self.id, data: { n: 1 } });
      expect(signalsAtA[0]).toEqual({ from: b.r.self.id, data: { n: 2 } });
    },
  );
});
