import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisRoomStore } from '../src/rooms/redis-store.js';
import type { JoinResult, Peer, PeerLeft } from '@meshmeet/protocol';
import {
  METRICS_AUTH,
  connect,
  record,
  request,
  requestOk,
  sleep,
  spawnNode,
  startNode,
  uniquePrefix,
  waitFor,
  type ChildNode,
  type Client,
  type TestNode,
} from './helpers.js';

const open: Client[] = [];
async function client(url: string): Promise<Client> {
  const c = await connect(url);
  open.push(c);
  return c;
}
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

async function userlist(url: string, room: string): Promise<{ id: string; nick: string }[]> {
  return (await fetch(`${url}/userlist?room=${encodeURIComponent(room)}`)).json() as Promise<{ id: string; nick: string }[]>;
}

/** `meshmeet_join_catchup_reads_total` of one node. */
async function catchUpReads(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: METRICS_AUTH })).text();
  return Number(/^meshmeet_join_catchup_reads_total (\d+)/m.exec(text)?.[1] ?? NaN);
}

describe('two nodes in one process sharing Redis', () => {
  let n1: TestNode;
  let n2: TestNode;
  const shared = { redisUrl: inject('redisUrl'), redisPrefix: uniquePrefix(), resumeGraceMs: 3000, nodeDeadAfterMs: 5000 };
  beforeAll(async () => {
    n1 = await startNode(shared);
    n2 = await startNode(shared);
  });
  afterAll(async () => {
    await n2.close();
    await n1.close().catch(() => undefined);
  });

  it('a join with nothing happening in the room meanwhile reads the member list once; each member still hears of the others', async () => {
    const reads = async () => (await catchUpReads(n1.url)) + (await catchUpReads(n2.url));
    const before = await reads();
    expect(before).not.toBeNaN();
    const a = await client(n1.url);
    const ra = await requestOk<JoinResult>(a, 'room:join', { room: 'quiet', nick: 'A' });
    const joinedAtA = record(a, 'peer:joined');
    const b = await client(n2.url);
    const rb = await requestOk<JoinResult>(b, 'room:join', { room: 'quiet', nick: 'B' });
    const joinedAtB = record(b, 'peer:joined');
    // B's member event reaches node 1 before B's peer:joined does (same connection, in order).
    await waitFor('A hears of B', () => joinedAtA.length === 1);
    const c = await client(n1.url);
    const rc = await requestOk<JoinResult>(c, 'room:join', { room: 'quiet', nick: 'C' });
    expect(rb.members.map((m) => m.id)).toEqual([ra.self.id]);
    expect(rc.members.map((m) => m.id).sort()).toEqual([ra.self.id, rb.self.id].sort());
    await waitFor('A and B hear of C', () => joinedAtA.length === 2 && joinedAtB.length === 1);
    expect(await reads()).toBe(before);
  });

  it('a state change on another node while a join is under way reaches that join’s ack, without a second read', async () => {
    const reads = () => catchUpReads(n2.url);
    const a = await client(n1.url);
    const ra = await requestOk<JoinResult>(a, 'room:join', { room: 'busy', nick: 'A', password: 'correct horse' });
    const before = await reads();
    const b = await client(n2.url);
    // The password check (scrypt) holds B's join open while A turns its microphone on, on the other node.
    const joining = requestOk<JoinResult>(b, 'room:join', { room: 'busy', nick: 'B', password: 'correct horse' });
    await sleep(5);
    await requestOk(a, 'peer:update', { mic: true });
    const rb = await joining;
    expect(rb.members.map((m) => m.id)).toEqual([ra.self.id]);
    expect(rb.members[0]!.mic).toBe(true);
    expect(await reads()).toBe(before);
  });

  it('a join, a chat message and a leave each cost one publication, on the channel every node hears; a join is one round trip, and a room has no channel of its own', async () => {
    const a = await client(n1.url);
    await requestOk<JoinResult>(a, 'room:join', { room: 'one-publish', nick: 'A' });
    const joinedAtA = record(a, 'peer:joined');
    const leftAtA = record(a, 'peer:left');
    // MONITOR sees every command Redis runs, from every test: keep this deployment's.
    const monitor = await new Redis(inject('redisUrl')).monitor();
    const commands: { args: string[]; source: string }[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => commands.push({ args, source }));
    try {
      const b = await client(n2.url);
      const rb = await requestOk<JoinResult>(b, 'room:join', { room: 'one-publish', nick: 'B' });
      const chatAtB = record(b, 'chat:message');
      await waitFor('A hears of B', () => joinedAtA.length === 1);
      await requestOk(a, 'chat:send', { text: 'hi' });
      await waitFor('B hears A', () => chatAtB.length === 1);
      await requestOk(b, 'room:leave', {});
      await waitFor('A hears B leave', () => leftAtA.length === 1);
      expect(leftAtA[0]).toEqual({ id: rb.self.id, reason: 'left' });
      // The MONITOR feed is a connection of its own: give it time to catch up with A.
      await sleep(300);
      // The nodes' own connections (what a Lua script runs inside Redis is reported as "lua").
      const ours = new Set(commands.filter((c) => c.source !== 'lua' && c.args.some((arg) => arg.startsWith(shared.redisPrefix))).map((c) => c.source));
      const named = (name: string) => commands.filter((c) => ours.has(c.source) && c.args[0]?.toLowerCase() === name);
      const published = commands.filter((c) => c.args[0]?.toLowerCase() === 'spublish' && c.args[1]?.startsWith(shared.redisPrefix));
      expect(published.map((c) => c.args[1])).toEqual(Array(3).fill(`${shared.redisPrefix}sio#/#`));
      // The join's news went out from inside its insert script, then nothing but the ack:
      // no publication of its own, no PING, no second read.
      expect(published.map((c) => c.source === 'lua')).toEqual([true, false, false]);
      expect(named('ping')).toEqual([]);
      expect(named('hvals')).toEqual([]);
      // A room needs no channel of its own in Redis: only sockets' own channels are subscribed.
      const subscribed = [...named('ssubscribe'), ...named('sunsubscribe')].map((c) => c.args[1]);
      expect(subscribed.length).toBeGreaterThan(0);
      for (const channel of subscribed) expect(channel).toMatch(new RegExp(`^${shared.redisPrefix}sio#/#[\\w-]{20}#$`));
    } finally {
      monitor.disconnect();
    }
  });

  it('lists, signals, chats and updates across nodes', async () => {
    const a = await client(n1.url);
    const ra = await requestOk<JoinResult>(a, 'room:join', { room: 'cross', nick: 'A' });
    const joinedAtA = record(a, 'peer:joined');
    const b = await client(n2.url);
    const rb = await requestOk<JoinResult>(b, 'room:join', { room: 'cross', nick: 'B' });
    expect(rb.members).toEqual([ra.self]);
    await waitFor('peer:joined across nodes', () => joinedAtA.length === 1);
    expect((await userlist(n1.url, 'cross')).map((m) => m.nick).sort()).toEqual(['A', 'B']);
    const atB = record(b, 'signal');
    await requestOk(a, 'signal', { to: rb.self.id, data: { description: { type: 'offer', sdp: 'x' } } });
    await waitFor('signal across nodes', () => atB.length === 1);
    expect(atB[0]).toEqual({ from: ra.self.id, data: { description: { type: 'offer', sdp: 'x' } } });
    const chatAtA = record(a, 'chat:message');
    const updAtA = record(a, 'peer:updated');
    await requestOk(b, 'chat:send', { text: 'über' });
    await requestOk(b, 'peer:update', { mic: true });
    await waitFor('chat and update across nodes', () => chatAtA.length === 1 && updAtA.length === 1);
    expect(updAtA[0]).toEqual({ id: rb.self.id, mic: true });
  });

  it('a resume on one node closes the old connection on the other', async () => {
    const a = await client(n1.url);
    const ra = await requestOk<JoinResult>(a, 'room:join', { room: 'takeover', nick: 'A' });
    const kicked = new Promise<string>((r) => a.once('disconnect', r));
    const a2 = await client(n2.url);
    expect((await requestOk<JoinResult>(a2, 'room:join', { resumeToken: ra.resumeToken })).self.id).toBe(ra.self.id);
    expect(await kicked).toBe('io server disconnect');
    // The kicked socket's disconnect must not release the member that now lives on n2.
    await sleep(200);
    expect((await n1.store.getMember('takeover', ra.self.id))?.socketId).toBe(a2.id);
  });

  it('a node wrongly taken for dead closes the sockets of its reaped members', async () => {
    const a = await client(n1.url);
    const ra = await requestOk<JoinResult>(a, 'room:join', { room: 'zombie', nick: 'A' });
    const b = await client(n2.url);
    await requestOk<JoinResult>(b, 'room:join', { room: 'zombie', nick: 'B' });
    const leftAtB = record(b, 'peer:left');
    const closed = new Promise<string>((r) => a.once('disconnect', r));
    // Make n1 look silent for longer than NODE_DEAD_AFTER_MS (as after a long pause), then
    // let a freshly started store reap it, as a surviving node would.
    const redis = new Redis(inject('redisUrl'));
    try {
      await redis.zadd(`${shared.redisPrefix}nodes`, 0, n1.nodeId);
      // A surviving node that has been heartbeating for long (a reaper reaps only once its
      // own run of healthy heartbeats is NODE_DEAD_AFTER_MS long: backdate the start of it).
      const reaper = new RedisRoomStore(redis, { prefix: shared.redisPrefix, nodeId: 'reaper', nodeDeadAfterMs: 5000 });
      await reaper.tick();
      await redis.hset(`${shared.redisPrefix}nodes:since`, 'reaper', 1);
      const { removed } = await reaper.tick();
      expect(removed).toContainEqual({ room: 'zombie', id: ra.self.id, reason: 'node-down' });
    } finally {
      redis.disconnect();
    }
    // n1 notices on its next tick and closes A's socket, which no longer has a member.
    expect(await closed).toBe('io server disconnect');
    expect(await userlist(n2.url, 'zombie')).toHaveLength(1);
    expect(leftAtB).toEqual([]); // the reaper here is not a node, so nobody relayed node-down
  });

  it('resumes on the other node after a graceful shutdown; peers see no leave', async () => {
    const a = await client(n1.url);
    const ra = await requestOk<JoinResult>(a, 'room:join', { room: 'move', nick: 'A' });
    const b = await client(n2.url);
    const rb = await requestOk<JoinResult>(b, 'room:join', { room: 'move', nick: 'B' });
    const left = record(b, 'peer:left');
    const joined = record(b, 'peer:joined');
    await sleep(300); // a late peer:joined for A (see signaling.test.ts) is not what we look for
    joined.length = 0;
    const shutdown = new Promise((r) => a.once('server:shutdown', r));
    const closed = n1.close();
    expect(await shutdown).toEqual({ reconnectAfterMs: expect.any(Number) });
    await closed;
    const a2 = await client(n2.url);
    const r2 = await requestOk<JoinResult>(a2, 'room:join', { resumeToken: ra.resumeToken });
    expect(r2).toMatchObject({ resumed: true, self: ra.self, members: [rb.self] });
    await sleep(300);
    expect(left).toEqual([]);
    expect(joined).toEqual([]);
  });
});

describe('two server processes sharing Redis', () => {
  const prefix = uniquePrefix();
  let nodes: ChildNode[] = [];
  beforeAll(async () => {
    const env = {
      REDIS_URL: inject('redisUrl'),
      REDIS_PREFIX: prefix,
      MAX_ROOM_SIZE: '200',
      RESUME_GRACE_MS: '0',
      // Short, so the kill -9 test is quick; long enough that a starved CI machine does
      // not make a live node look dead (which would itself be handled, but fail the count).
      NODE_DEAD_AFTER_MS: '3000',
      LOG_LEVEL: 'warn',
    };
    nodes = await Promise.all([spawnNode(env), spawnNode(env)]);
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('100 simultaneous joins over two processes: both list exactly 100; 100 disconnects: the room is gone', async () => {
    const sockets = await Promise.all(Array.from({ length: 100 }, (_, i) => client(nodes[i % 2]!.url)));
    const joinedEvents = sockets.map((s) => record(s, 'peer:joined'));
    const results = await Promise.all(sockets.map((s, i) => requestOk<JoinResult>(s, 'room:join', { room: 'crowd', nick: `p${i}` })));
    const allIds = results.map((r) => r.self.id).sort();
    expect(new Set(allIds).size).toBe(100);
    for (const node of nodes) expect((await userlist(node.url, 'crowd')).map((m) => m.id).sort()).toEqual(allIds);
    // Every participant learns of the 99 others: from its join ack or from peer:joined.
    await waitFor('every member knows every other', () =>
      results.every((r, i) => new Set([...r.members, ...joinedEvents[i]!].map((p: Peer) => p.id)).size === 99),
    );
    for (const s of sockets) s.close();
    await waitFor('room gone on both nodes', async () => {
      const infos = await Promise.all(nodes.map(async (n) => (await (await fetch(`${n.url}/api/rooms/crowd`)).json()) as { exists: boolean; size: number }));
      return infos.every((i) => !i.exists && i.size === 0);
    });
    for (const node of nodes) expect(await userlist(node.url, 'crowd')).toEqual([]);
    const redis = new Redis(inject('redisUrl'));
    try {
      expect(await redis.keys(`${prefix}r:*`)).toEqual([]);
      expect(await redis.get(`${prefix}count`)).toBe('0');
    } finally {
      redis.disconnect();
    }
  });

  it('kill -9 of one node: its members vanish from the other within NODE_DEAD_AFTER_MS', async () => {
    const [victim, survivor] = nodes as [ChildNode, ChildNode];
    const onVictim = await Promise.all(Array.from({ length: 5 }, () => client(victim.url)));
    const onSurvivor = await Promise.all(Array.from({ length: 3 }, () => client(survivor.url)));
    const victimIds = (await Promise.all(onVictim.map((s, i) => requestOk<JoinResult>(s, 'room:join', { room: 'crash', nick: `v${i}` })))).map((r) => r.self.id);
    const survivorIds = (await Promise.all(onSurvivor.map((s, i) => requestOk<JoinResult>(s, 'room:join', { room: 'crash', nick: `s${i}` })))).map((r) => r.self.id);
    const leftAtSurvivor: PeerLeft[] = record(onSurvivor[0]!, 'peer:left');
    expect(await userlist(survivor.url, 'crash')).toHaveLength(8);
    const killedAt = Date.now();
    victim.proc.kill('SIGKILL');
    await waitFor('victim members reaped', async () => (await userlist(survivor.url, 'crash')).length === 3, 10_000);
    const elapsed = Date.now() - killedAt;
    // NODE_DEAD_AFTER_MS=3000 plus one housekeeping period (1000 ms) plus polling slack.
    expect(elapsed).toBeLessThan(3000 + 1000 + 1500);
    expect((await userlist(survivor.url, 'crash')).map((m) => m.id).sort()).toEqual([...survivorIds].sort());
    await waitFor('peer:left node-down', () => leftAtSurvivor.length === 5);
    expect(leftAtSurvivor.every((l) => l.reason === 'node-down')).toBe(true);
    expect(leftAtSurvivor.map((l) => l.id).sort()).toEqual([...victimIds].sort());
    // The survivor still serves.
    expect(await request(onSurvivor[1]!, 'signal', { to: survivorIds[2], data: {} })).toEqual({ ok: true, data: null });
  });

  it('SIGTERM: clients are told, the process exits 0, members wait in their grace window', async () => {
    const survivor = nodes[1]!;
    const s = await client(survivor.url);
    const told = new Promise((r) => s.once('server:shutdown', r));
    const r = await requestOk<JoinResult>(s, 'room:join', { room: 'sigterm', nick: 'S' });
    expect(await survivor.stop()).toBe(0);
    expect(await told).toMatchObject({ reconnectAfterMs: expect.any(Number) });
    // RESUME_GRACE_MS=0 in these processes: the member was released at once, not orphaned.
    const redis = new Redis(inject('redisUrl'));
    try {
      expect(await redis.hkeys(`${prefix}r:${Buffer.from('sigterm').toString('base64url')}:m`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
    expect(r.self.id).toBeTruthy();
  });
});
