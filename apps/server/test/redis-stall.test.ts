import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type JoinResult, type Peer, type PeerLeft } from '@meshmeet/protocol';
import { startRedis, type RedisHandle } from '@meshmeet/testkit';
import { connect, record, request, requestOk, sleep, startNode, uniquePrefix, waitFor, type TestNode } from './helpers.js';

const ANSWER_WITHIN_MS = 1500;
/** "In time": well before the test client's own 15 s, with room for a slow machine. */
const IN_TIME_MS = ANSWER_WITHIN_MS + 5000;

/**
 * A TCP forwarder in front of Redis that the test can freeze: connections stay open and
 * nothing passes either way (a stopped Redis, or a link that drops packets without
 * closing), until it thaws and forwards what it held, in order.
 */
class FreezableLink {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly held = new Map<Socket, { to: Socket; chunks: Buffer[] }>();
  private frozen = false;
  port = 0;

  constructor(upstreamPort: number) {
    this.server = createServer((client) => {
      const upstream = tcpConnect(upstreamPort, '127.0.0.1');
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(from);
        from.on('error', () => from.destroy());
        from.once('close', () => {
          this.sockets.delete(from);
          to.destroy();
        });
        const held = { to, chunks: [] as Buffer[] };
        this.held.set(from, held);
        from.on('data', (chunk: Buffer) => (this.frozen ? held.chunks.push(chunk) : to.write(chunk)));
      }
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    for (const { to, chunks } of this.held.values()) for (const chunk of chunks.splice(0)) to.write(chunk);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

async function readyz(url: string): Promise<{ status: number; body: { redis: string; reasons: string[] } }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { redis: string; reasons: string[] } };
}

async function listed(url: string, room: string): Promise<string[]> {
  const res = await fetch(`${url}/userlist?room=${room}`);
  return ((await res.json()) as Peer[]).map((p) => p.nick).sort();
}

describe('a Redis that stops answering (connected, silent)', () => {
  let redis: RedisHandle;
  let link: FreezableLink;
  let node: TestNode;
  beforeAll(async () => {
    redis = await startRedis();
    link = new FreezableLink(redis.port);
    await link.listen();
    node = await startNode({ redisUrl: `redis://127.0.0.1:${link.port}`, redisPrefix: uniquePrefix(), answerWithinMs: ANSWER_WITHIN_MS });
  });
  afterAll(async () => {
    link?.thaw();
    await node?.close();
    await link?.stop();
    await redis?.stop();
  });

  it('answers joins and room reads UNAVAILABLE in time, says so on /readyz, and undoes what lands late: no member nobody sees, a resume keeps its place', { timeout: 60_000 }, async () => {
    const a = await connect(node.url);
    const joinedAtA = record(a, 'peer:joined');
    const leftAtA = record(a, 'peer:left');
    await requestOk<JoinResult>(a, 'room:join', { room: 'stall', nick: 'A' });
    // C joins and drops: C's member waits in its grace window, C holds its resume token.
    const c = await connect(node.url);
    const rc = await requestOk<JoinResult>(c, 'room:join', { room: 'stall', nick: 'C' });
    c.close();
    // (Whether or not the node has put C into its grace window before the freeze, C's
    // token takes the member back below: the late resume only rotates it once.)
    await sleep(300);

    link.freeze();
    const b = await connect(node.url);
    let started = performance.now();
    const late = await request(b, 'room:join', { room: 'stall', nick: 'B' });
    expect(late.ok ? 'ok' : late.error.code).toBe(ErrorCode.UNAVAILABLE);
    expect(performance.now() - started).toBeLessThan(IN_TIME_MS);

    const c2 = await connect(node.url);
    started = performance.now();
    const lateResume = await request(c2, 'room:join', { resumeToken: rc.resumeToken });
    expect(lateResume.ok ? 'ok' : lateResume.error.code).toBe(ErrorCode.UNAVAILABLE);
    expect(performance.now() - started).toBeLessThan(IN_TIME_MS);

    // The room API's reads are answered 503 in time too, with the code.
    for (const path of ['/userlist?room=stall', '/api/rooms/stall']) {
      started = performance.now();
      const res = await fetch(`${node.url}${path}`);
      expect([res.status, ((await res.json()) as { error?: { code?: string } }).error?.code]).toEqual([503, ErrorCode.UNAVAILABLE]);
      expect(performance.now() - started).toBeLessThan(IN_TIME_MS);
    }

    await waitFor('/readyz to report the stall', async () => {
      const r = await readyz(node.url);
      return r.status === 503 && r.body.redis === 'stalled' && r.body.reasons.some((x) => x.includes('has not answered'));
    });

    link.thaw();
    await waitFor('/readyz ready again', async () => (await readyz(node.url)).status === 200);
    // B's join went through once Redis answered, and was undone: A saw B come and go.
    const bId = () => joinedAtA.find((p) => p.nick === 'B')?.id;
    await waitFor('B gone again', async () => leftAtA.some((l: PeerLeft) => l.id === bId()));
    expect(joinedAtA.map((p) => p.nick)).toEqual(['C', 'B']);
    expect(leftAtA).toEqual([{ id: bId(), reason: 'left' }]);
    expect(await listed(node.url, 'stall')).toEqual(['A', 'C']);

    // B was told to try again, and can, on the same connection.
    await requestOk<JoinResult>(b, 'room:join', { room: 'stall', nick: 'B' });
    // C's late resume was put back into the grace window: the token C holds still takes it back.
    const c3 = await connect(node.url);
    const resumed = await requestOk<JoinResult>(c3, 'room:join', { resumeToken: rc.resumeToken });
    expect(resumed.resumed).toBe(true);
    expect(resumed.self.id).toBe(rc.self.id);
    expect(await listed(node.url, 'stall')).toEqual(['A', 'B', 'C']);
    for (const s of [a, b, c2, c3]) s.close();
  });
});
