import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ErrorCode, Limits, type Ack, type JoinResult } from '@meshmeet/protocol';
import type { Config } from '../src/config.js';
import { clientsClosedAfterEach, connect, record, request, requestOk, sleep, startNode, uniquePrefix, waitFor, type Client, type TestNode } from './helpers.js';

/** The client without its event typing, to send what a typed client cannot. */
const raw = (c: Client) => c as unknown as { emit(event: string, ...args: unknown[]): void };

const { client, joined } = clientsClosedAfterEach();

describe.each([['memory'], ['redis']] as const)('signaling over socket.io (%s store)', (kind) => {
  let node: TestNode;
  const base = (): Partial<Config> => (kind === 'redis' ? { redisUrl: inject('redisUrl'), redisPrefix: uniquePrefix() } : {});
  beforeAll(async () => {
    // Per-socket limits are tested here. Node-wide overload shedding has tests of its own:
    // an in-process burst (the test's client shares this event loop) could trigger it.
    node = await startNode({ ...base(), resumeGraceMs: 0, maxRoomSize: 3, relayMaxLoopDelayMs: 60_000 });
  });
  afterAll(() => node.close());

  it('refuses a client of another protocol version with a clear error', async () => {
    for (const auth of [{ v: 2 }, {}, { v: 'one' }]) {
      const err = (await connect(node.url, auth).catch((e: unknown) => e)) as Error & { data?: { code: string; message: string } };
      expect(err.data?.code).toBe(ErrorCode.UNSUPPORTED_VERSION);
      expect(err.data?.message).toMatch(/protocol version 1/);
    }
  });

  it('assigns the id, lists the others and keeps two rooms apart', async () => {
    const a1 = await joined(node, 'alpha', 'Ann', { state: { mic: true } });
    expect(a1.r).toMatchObject({ room: 'alpha', members: [], resumed: false, iceServers: [] });
    expect(a1.r.self).toMatchObject({ nick: 'Ann', mic: true, cam: false });
    expect(a1.r.self.id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    const a1Joined = record(a1.c, 'peer:joined');
    const b1 = await joined(node, 'beta', '王芳');
    const b1Joined = record(b1.c, 'peer:joined');
    const b1Chat = record(b1.c, 'chat:message');
    const a2 = await joined(node, 'alpha', 'Bob');
    expect(a2.r.members).toEqual([a1.r.self]);
    await waitFor('peer:joined in alpha', () => a1Joined.length === 1);
    expect(a1Joined[0]).toEqual(a2.r.self);
    const a1Chat = record(a1.c, 'chat:message');
    const msg = await requestOk<{ text: string; from: string }>(a2.c, 'chat:send', { text: '  hello 你好 ' });
    expect(msg).toMatchObject({ text: 'hello 你好', from: a2.r.self.id, nick: 'Bob' });
    await waitFor('chat in alpha', () => a1Chat.length === 1);
    await sleep(100);
    expect(b1Joined).toEqual([]);
    expect(b1Chat).toEqual([]);
    expect(b1.r.members).toEqual([]);
  });

  it('relays a signal to its target only, with the true sender', async () => {
    const a = await joined(node, 'relay', 'A');
    const b = await joined(node, 'relay', 'B');
    const c = await joined(node, 'relay', 'C');
    const atB = record(b.c, 'signal');
    const atC = record(c.c, 'signal');
    const atA = record(a.c, 'signal');
    const data = { description: { type: 'offer', sdp: 'v=0\r\n' } };
    expect(await request(a.c, 'signal', { to: b.r.self.id, data })).toEqual({ ok: true, data: null });
    await waitFor('signal at B', () => atB.length === 1);
    expect(atB[0]).toEqual({ from: a.r.self.id, data });
    // A forged sender is refused outright: `from` is not part of what a client may send.
    const spoof = await request(c.c, 'signal', { to: b.r.self.id, from: a.r.self.id, data });
    expect(spoof).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_PAYLOAD } });
    await sleep(100);
    expect(atB).toHaveLength(1);
    expect(atC).toEqual([]);
    expect(atA).toEqual([]);
  });

  it('rejects cross-room targets, unknown targets, itself, and signals before joining', async () => {
    const a = await joined(node, 'x1', 'A');
    const other = await joined(node, 'x2', 'B');
    const atOther = record(other.c, 'signal');
    const cross = await request(a.c, 'signal', { to: other.r.self.id, data: { candidate: null } });
    expect(cross).toMatchObject({ ok: false, error: { code: ErrorCode.PEER_NOT_FOUND } });
    expect(await request(a.c, 'signal', { to: 'nobody', data: {} })).toMatchObject({ ok: false, error: { code: ErrorCode.PEER_NOT_FOUND } });
    expect(await request(a.c, 'signal', { to: a.r.self.id, data: {} })).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_PAYLOAD } });
    // Shapes the quick check leaves to the schema still get the schema's field-level answer.
    expect(await request(a.c, 'signal', { to: other.r.self.id, data: [] })).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_PAYLOAD, message: expect.stringMatching(/^data: /) } });
    expect(await request(a.c, 'signal', { to: 'not a peer id', data: {} })).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_PAYLOAD, message: expect.stringMatching(/^to: /) } });
    const lone = await client(node);
    expect(await request(lone, 'signal', { to: a.r.self.id, data: {} })).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_IN_ROOM } });
    await sleep(100);
    expect(atOther).toEqual([]);
  });

  it('caps signal size and rate', async () => {
    const a = await joined(node, 'caps', 'A');
    const b = await joined(node, 'caps', 'B');
    const big = { sdp: 'x'.repeat(Limits.signalDataMaxBytes + 10) };
    expect(await request(a.c, 'signal', { to: b.r.self.id, data: big })).toMatchObject({ ok: false, error: { code: ErrorCode.PAYLOAD_TOO_LARGE } });
    const acks = await Promise.all(Array.from({ length: 600 }, () => request(a.c, 'signal', { to: b.r.self.id, data: { candidate: null } })));
    const limited = acks.filter((x) => !x.ok && x.error.code === ErrorCode.RATE_LIMITED).length;
    expect(limited).toBeGreaterThan(0);
    expect(acks.filter((x) => x.ok).length).toBeGreaterThanOrEqual(400); // the burst passes
  });

  it('closes a connection whose frame exceeds the buffer cap, and stays up', async () => {
    const a = await joined(node, 'huge', 'A');
    const closed = new Promise<string>((r) => a.c.once('disconnect', r));
    raw(a.c).emit('signal', { to: 'x', data: { blob: 'y'.repeat(200 * 1024) } });
    expect(await closed).toBe('transport close');
    const again = await joined(node, 'huge', 'B');
    expect(again.r.members).toEqual([]); // grace 0: A's member went with its socket
  });

  it('refuses absurdly nested payloads without overflowing the stack', async () => {
    const a = await joined(node, 'deep', 'A');
    const b = await joined(node, 'deep', 'B');
    // The typed client cannot even encode these, so write raw Socket.IO packets (ack id 7, 8).
    const engine = (a.c as unknown as { io: { engine: { send(s: string): void; on(e: string, f: (p: { data?: unknown }) => void): void } } }).io.engine;
    const acks: string[] = [];
    engine.on('packet', (p) => typeof p.data === 'string' && p.data.startsWith('3') && acks.push(p.data));
    const deep = (n: number) => '{"a":'.repeat(n) + '{}' + '}'.repeat(n);
    engine.send(`27["signal",{"to":"${b.r.self.id}","data":${deep(40)}}]`);
    engine.send(`28["signal",{"to":"${b.r.self.id}","data":${deep(15_000)}}]`);
    await waitFor('both acks', () => acks.length === 2);
    for (const ack of acks) expect(ack).toMatch(/"code":"INVALID_PAYLOAD","message":"data: nested deeper than 32 levels"/);
    // Deeper still: an error ack, or the packet decoder gives up and closes that one connection.
    let closed = false;
    a.c.once('disconnect', () => (closed = true));
    engine.send(`29["room:join",${'['.repeat(60_000)}${']'.repeat(60_000)}]`);
    engine.send(`210["signal",{"to":"${b.r.self.id}","data":${deep(60_000)}}]`);
    await waitFor('answer or close', () => closed || acks.length === 4);
    for (const ack of acks.slice(2)) expect(ack).toMatch(/"code":"INVALID_PAYLOAD"/);
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
  });

  it('pushes leave and disconnect to the room', async () => {
    const a = await joined(node, 'bye', 'A');
    const b = await joined(node, 'bye', 'B');
    const c = await joined(node, 'bye', 'C');
    const left = record(a.c, 'peer:left');
    expect(await request(b.c, 'room:leave')).toEqual({ ok: true, data: null });
    await waitFor('leave', () => left.length === 1);
    expect(left[0]).toEqual({ id: b.r.self.id, reason: 'left' });
    expect(await request(b.c, 'room:leave')).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_IN_ROOM } });
    c.c.close();
    await waitFor('disconnect', () => left.length === 2);
    expect(left[1]).toEqual({ id: c.r.self.id, reason: 'disconnected' });
    const res = await fetch(`${node.url}/userlist?room=bye`);
    expect(await res.json()).toEqual([{ id: a.r.self.id, nick: 'A' }]);
  });

  it('enforces capacity, passwords and one room per socket', async () => {
    await joined(node, 'cap', 'A');
    await joined(node, 'cap', 'B');
    const c = await joined(node, 'cap', 'C');
    const d = await client(node);
    expect(await request(d, 'room:join', { room: 'cap', nick: 'D' })).toMatchObject({ ok: false, error: { code: ErrorCode.ROOM_FULL } });
    expect(await request(c.c, 'room:join', { room: 'other', nick: 'C' })).toMatchObject({ ok: false, error: { code: ErrorCode.ALREADY_IN_ROOM } });

    await joined(node, 'secret', 'Owner', { password: 'hunter22' });
    const e = await client(node);
    expect(await request(e, 'room:join', { room: 'secret', nick: 'E' })).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_PASSWORD } });
    expect(await request(e, 'room:join', { room: 'secret', nick: 'E', password: 'nope-nope' })).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_PASSWORD } });
    expect(await request(e, 'room:join', { room: 'secret', nick: 'E', password: 'short' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.INVALID_PAYLOAD, message: 'password: Password must be at least 8 characters' },
    });
    const ok = await request<JoinResult>(e, 'room:join', { room: 'secret', nick: 'E', password: 'hunter22' });
    expect(ok).toMatchObject({ ok: true, data: { hasPassword: true } });
    const info = await (await fetch(`${node.url}/api/rooms/secret`)).json();
    expect(info).toEqual({ room: 'secret', exists: true, size: 2, capacity: 3, full: false, hasPassword: true });
    expect((await fetch(`${node.url}/userlist?room=secret`)).status).toBe(403);
    const listed = await fetch(`${node.url}/userlist?room=secret`, { headers: { 'x-room-password': 'hunter22' } });
    const members = (await listed.json()) as { nick: string }[];
    expect(members.map((m) => m.nick).sort()).toEqual(['E', 'Owner']);
  });

  it('validates names: Unicode accepted, empty, too long or control characters refused', async () => {
    const zh = await joined(node, ' 会议室一 ', '张伟');
    expect(zh.r.room).toBe('会议室一');
    expect(zh.r.self.nick).toBe('张伟');
    const s = await client(node);
    for (const bad of [
      { room: '', nick: 'a' },
      { room: 'r', nick: '   ' },
      { room: '房'.repeat(65), nick: 'a' },
      { room: 'r', nick: 'n'.repeat(33) },
      { room: 'r\u0000', nick: 'a' },
      { room: 'r', nick: 'a', extra: 1 },
      { room: 5, nick: 'a' },
    ]) {
      expect(await request(s, 'room:join', bad)).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_PAYLOAD } });
    }
  });

  it('tells the others about state changes', async () => {
    const a = await joined(node, 'state', 'A');
    const b = await joined(node, 'state', 'B');
    const updates = record(b.c, 'peer:updated');
    expect(await request(a.c, 'peer:update', { cam: true, sharing: true, shareStreamId: 'stream-1' })).toEqual({ ok: true, data: null });
    await waitFor('peer:updated', () => updates.length === 1);
    expect(updates[0]).toEqual({ id: a.r.self.id, cam: true, sharing: true, shareStreamId: 'stream-1' });
    await requestOk(a.c, 'peer:update', { nick: 'Alice' });
    await waitFor('nick update', () => updates.length === 2);
    const chat = record(b.c, 'chat:message');
    await requestOk(a.c, 'chat:send', { text: 'hi' });
    await waitFor('chat', () => chat.length === 1);
    expect(chat[0]?.nick).toBe('Alice');
    expect(await request(a.c, 'peer:update', {})).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_PAYLOAD } });
    expect(await request(a.c, 'peer:update', { id: 'x' })).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_PAYLOAD } });
    expect(await request(a.c, 'chat:send', { text: 'x'.repeat(Limits.chatMax + 1) })).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_PAYLOAD } });
  });

  it('answers garbage with error codes and survives missing acks', async () => {
    const s = await client(node);
    expect(await request(s, 'no:such:event', { a: 1 })).toMatchObject({ ok: false, error: { code: ErrorCode.UNKNOWN_EVENT } });
    expect(await request(s, 'error', 'boom')).toMatchObject({ ok: false, error: { code: ErrorCode.UNKNOWN_EVENT } });
    expect(await request(s, 'room:join', null)).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_PAYLOAD } });
    expect(await request(s, 'room:join')).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_PAYLOAD } });
    expect(await request(s, 'signal', 'garbage')).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_PAYLOAD } });
    // No ack callback at all: nothing to answer, nothing may crash.
    raw(s).emit('room:join', null);
    raw(s).emit('signal');
    raw(s).emit('error', undefined);
    raw(s).emit('room:join', { room: 'ackless', nick: 'N' });
    await waitFor('ackless join', async () => ((await (await fetch(`${node.url}/userlist?room=ackless`)).json()) as unknown[]).length === 1);
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
  });
});

describe('resume', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode({ redisUrl: inject('redisUrl'), redisPrefix: uniquePrefix(), resumeGraceMs: 1500, nodeDeadAfterMs: 3000 });
  });
  afterAll(() => node.close());

  it('keeps the id across a reconnect; peers see no leave or join', async () => {
    const a = await joined(node, 'resume', 'A');
    const b = await joined(node, 'resume', 'B');
    const seenLeft = record(b.c, 'peer:left');
    const seenJoined = record(b.c, 'peer:joined');
    // A's own peer:joined may still land at B (room broadcasts reach local sockets after a
    // Redis round trip); only what happens from the disconnect on counts here.
    await sleep(300);
    seenJoined.length = 0;
    a.c.close();
    await sleep(300);
    const a2 = await client(node);
    const r = await requestOk<JoinResult>(a2, 'room:join', { resumeToken: a.r.resumeToken });
    expect(r).toMatchObject({ resumed: true, room: 'resume', self: a.r.self, members: [b.r.self], resumeGraceMs: 1500 });
    expect(r.resumeToken).not.toBe(a.r.resumeToken);
    // Signals reach the new socket under the old id.
    const atA2 = record(a2, 'signal');
    await requestOk(b.c, 'signal', { to: a.r.self.id, data: { candidate: null } });
    await waitFor('signal after resume', () => atA2.length === 1);
    expect(atA2[0]?.from).toBe(b.r.self.id);
    await sleep(1800); // past the original grace deadline
    expect(seenLeft).toEqual([]);
    expect(seenJoined).toEqual([]);
    // The new token is the one to keep: once used, the original is refused (before that it
    // still served one retry, for an answer lost with its connection: resume-takeover.test.ts).
    const a3 = await client(node);
    expect(await requestOk<JoinResult>(a3, 'room:join', { resumeToken: r.resumeToken })).toMatchObject({ resumed: true, self: a.r.self });
    const a4 = await client(node);
    expect(await request(a4, 'room:join', { resumeToken: a.r.resumeToken })).toMatchObject({ ok: false, error: { code: ErrorCode.RESUME_FAILED } });
  });

  it('answers PEER_UNAVAILABLE while the target is away, and peer:left when the grace runs out', async () => {
    const a = await joined(node, 'away', 'A');
    const b = await joined(node, 'away', 'B');
    const left = record(b.c, 'peer:left');
    a.c.close();
    await waitFor('A in grace', async () => (await node.store.getMember('away', a.r.self.id))?.socketId === null);
    expect(await request(b.c, 'signal', { to: a.r.self.id, data: {} })).toMatchObject({ ok: false, error: { code: ErrorCode.PEER_UNAVAILABLE } });
    await waitFor('grace expiry', () => left.length === 1, 4000);
    expect(left[0]).toEqual({ id: a.r.self.id, reason: 'disconnected' });
  });

  it('takes over from a connection that still looks alive', async () => {
    const a = await joined(node, 'takeover', 'A');
    const kicked = new Promise<string>((r) => a.c.once('disconnect', r));
    const a2 = await client(node);
    expect((await requestOk<JoinResult>(a2, 'room:join', { resumeToken: a.r.resumeToken })).self.id).toBe(a.r.self.id);
    expect(await kicked).toBe('io server disconnect');
    await sleep(100);
    expect((await node.store.getMember('takeover', a.r.self.id))?.socketId).toBe(a2.id);
  });
});

describe('signal bytes budget', () => {
  let node: TestNode;
  beforeAll(async () => {
    // 1 KiB/s sustained, a burst of 66,560 bytes: room for one largest signal, not for a stream.
    node = await startNode({ signalBytesPerS: 1024, signalBytesBurst: Limits.signalDataMaxBytes + 1024, relayMaxLoopDelayMs: 60_000 });
  });
  afterAll(() => node.close());

  it('refuses signals past the bytes per second of a socket with RATE_LIMITED, while the event budget is far from used', async () => {
    const a = await joined(node, 'bytes', 'A');
    const b = await joined(node, 'bytes', 'B');
    const atB = record(b.c, 'signal');
    const chunk = { description: { type: 'offer', sdp: 'v=0 '.repeat(5000) } }; // ~20 KB of JSON
    const acks: Ack<unknown>[] = [];
    for (let i = 0; i < 6; i++) acks.push(await request(a.c, 'signal', { to: b.r.self.id, data: chunk }));
    expect(acks.slice(0, 3).every((x) => x.ok)).toBe(true);
    const refused = acks.filter((x) => !x.ok);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    for (const x of refused) expect(x).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED, message: expect.stringMatching(/bytes/) } });
    // Small signals still pass once the budget refills; refused ones never reached B.
    await waitFor('budget refill', async () => (await request(a.c, 'signal', { to: b.r.self.id, data: { candidate: null } })).ok);
    await waitFor('deliveries', () => atB.length === acks.filter((x) => x.ok).length + 1);
    await sleep(100);
    expect(atB.length).toBe(acks.filter((x) => x.ok).length + 1);
  });
});
