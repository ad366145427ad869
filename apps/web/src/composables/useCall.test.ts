/**
 * useCall end to end in Node: two independent copies of the composable (as if in two
 * tabs) talk through a minimal scripted socket.io relay, with the fake WebRTC classes
 * standing in for the browser. Proves the wiring: participants, streams, share
 * announce/remove, chat, leave, and error codes. Real media is the e2e suite's job.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { DEFAULT_MEDIA_STATE, type Peer } from '@meshmeet/protocol';
import { FakePeerConnection, FakeStream, FakeTrack, asStream, fakeConnections } from '../../test/media/fakes';
import type { OutgoingMedia, UseCallReturn } from './useCall';

type Ack = (a: unknown) => void;

/** Just enough of protocol v1 to relay between two clients. */
interface Relay {
  url: string;
  connections: () => number;
  /** true: a dropped socket keeps its member (resume works); false: it leaves at once. */
  keepOnDisconnect: boolean;
  /** Cuts a member's transport, as a network drop would. */
  drop(peerId: string): void;
  close: () => Promise<void>;
}

async function relayServer(): Promise<Relay> {
  const http = createServer();
  const io = new Server(http);
  const members = new Map<string, { socket: Socket; peer: Peer }>();
  let n = 0;
  let connections = 0;
  const relay = { keepOnDisconnect: false };
  io.on('connection', (socket) => {
    connections += 1;
    let me: Peer | null = null;
    const others = () => [...members.values()].filter((m) => m.peer.id !== me?.id);
    socket.on('room:join', (p: { room: string; nick: string; state?: Partial<Peer>; resumeToken?: string }, ack: Ack) => {
      if (p.resumeToken) {
        const m = members.get(p.resumeToken.slice(2));
        if (!m) return ack({ ok: false, error: { code: 'RESUME_FAILED', message: 'expired' } });
        m.socket = socket;
        me = m.peer;
        const list = others().map((o) => o.peer);
        return ack({ ok: true, data: { room: 'r', self: me, members: list, iceServers: [], resumeToken: p.resumeToken, resumeGraceMs: 1000, resumed: true } });
      }
      if (p.nick === 'Crowd') return ack({ ok: false, error: { code: 'ROOM_FULL', message: 'The room is full' } });
      me = { ...DEFAULT_MEDIA_STATE, ...p.state, id: `peer${++n}`, nick: p.nick };
      const list = others().map((m) => m.peer);
      for (const m of others()) m.socket.emit('peer:joined', me);
      members.set(me.id, { socket, peer: me });
      ack({ ok: true, data: { room: p.room, self: me, members: list, iceServers: [], resumeToken: `t-${me.id}`, resumeGraceMs: 1000, resumed: false } });
    });
    socket.on('signal', (p: { to: string; data: unknown }, ack: Ack) => {
      members.get(p.to)?.socket.emit('signal', { from: me!.id, data: p.data });
      ack({ ok: true, data: null });
    });
    socket.on('peer:update', (p: Partial<Peer>, ack: Ack) => {
      Object.assign(me!, p);
      for (const m of others()) m.socket.emit('peer:updated', { id: me!.id, ...p });
      ack({ ok: true, data: null });
    });
    socket.on('chat:send', (p: { text: string }, ack: Ack) => {
      const msg = { id: `m${++n}`, from: me!.id, nick: me!.nick, text: p.text, at: Date.now() };
      for (const m of members.values()) m.socket.emit('chat:message', msg);
      ack({ ok: true, data: msg });
    });
    const leave = () => {
      if (!me || !members.delete(me.id)) return;
      for (const m of members.values()) m.socket.emit('peer:left', { id: me.id, reason: 'left' });
    };
    socket.on('room:leave', (ack: Ack) => {
      leave();
      ack({ ok: true, data: null });
    });
    socket.on('disconnect', () => {
      if (!relay.keepOnDisconnect) leave();
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return Object.assign(relay, {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    connections: () => connections,
    drop: (peerId: string) => members.get(peerId)?.socket.conn.close(),
    close: () => new Promise<void>((r) => io.close(() => r())),
  });
}

/** A fresh copy of the module: useCall is one call per page, so one copy per "tab". */
async function freshCall(): Promise<UseCallReturn> {
  vi.resetModules();
  return (await import('./useCall')).useCall();
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Camera + microphone as `useLocalMedia` hands them over. */
function camera(micOn = true): OutgoingMedia {
  const stream = asStream(new FakeStream([new FakeTrack('audio'), new FakeTrack('video')]));
  return { stream, audio: stream.getAudioTracks()[0]!, video: stream.getVideoTracks()[0]!, micOn };
}
const nothing: OutgoingMedia = { stream: null, audio: null, video: null, micOn: false };

let server: Relay;
beforeAll(async () => {
  server = await relayServer();
  vi.stubEnv('VITE_SIGNALING_URL', server.url);
  vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
  vi.stubGlobal('MediaStream', FakeStream);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  await server.close();
});

// Real sockets and many fake negotiations: bounded like the `until` waits, not by Vitest's 5 s default.
describe('useCall', { timeout: 30_000 }, () => {
  it('joins, connects both ways, shares, chats and leaves', async () => {
    const ann = await freshCall();
    const bob = await freshCall();
    expect(ann).not.toBe(bob);
    expect(ann.status.value).toBe('idle');

    await ann.join({ room: 'r1', nick: 'Ann', media: camera() });
    expect(ann.status.value).toBe('joined');
    expect(ann.room.value).toBe('r1');
    await bob.join({ room: 'r1', nick: 'Bob', media: camera(false) });

    const bobSeen = await until('Ann sees Bob connected with media', () =>
      ann.participants.value.find((p) => p.nick === 'Bob' && p.connectionState === 'connected' && p.cameraStream),
    );
    expect(bobSeen.mic).toBe(false);
    expect(bobSeen.cam).toBe(true);
    expect(bobSeen.cameraStream!.getTracks()).toHaveLength(2);
    await until('Bob sees Ann connected with media', () =>
      bob.participants.value.find((p) => p.nick === 'Ann' && p.connectionState === 'connected' && p.cameraStream),
    );

    // Share: announced, then received as its own stream; the capture ending takes it down.
    const screen = new FakeTrack('video', 'screen');
    const share = new FakeStream([screen]);
    await ann.startShare(asStream(share));
    expect(ann.self.value?.sharing).toBe(true);
    const annAtBob = await until('Bob gets Ann’s share', () =>
      bob.participants.value.find((p) => p.nick === 'Ann' && p.shareStream && p.sharing),
    );
    expect(annAtBob.shareStreamId).toBe(share.id);
    expect(annAtBob.shareStream!.getVideoTracks()).toHaveLength(1);
    expect(annAtBob.cameraStream!.getVideoTracks()).toHaveLength(1);
    screen.end();
    await until('Bob loses Ann’s share', () =>
      bob.participants.value.find((p) => p.nick === 'Ann' && !p.shareStream && !p.sharing),
    );

    await bob.sendChat('hello');
    await until('both have the message once', () =>
      ann.chat.value.length === 1 && bob.chat.value.length === 1 && bob.chat.value[0]!.text === 'hello',
    );

    const bobPcs = fakeConnections.filter((pc) => pc.signalingState !== 'closed').length;
    await bob.leave();
    expect(bob.status.value).toBe('left');
    expect(bob.participants.value).toEqual([]);
    await until('Ann drops Bob', () => ann.participants.value.length === 0);
    expect(fakeConnections.filter((pc) => pc.signalingState !== 'closed').length).toBe(bobPcs - 2);
    await ann.leave();
  });

  it('a leave during the join wins: the call does not come back to life', async () => {
    const quitter = await freshCall();
    const joining = quitter.join({ room: 'r3', nick: 'Quinn', media: nothing });
    await quitter.leave();
    await joining;
    expect(quitter.status.value).toBe('left');
    // Nobody is left in the room (the late join was undone).
    const later = await freshCall();
    await later.join({ room: 'r3', nick: 'Lee', media: nothing });
    await new Promise((r) => setTimeout(r, 100));
    expect(later.participants.value).toEqual([]);
    await later.leave();
  });

  it('a resumed reconnect keeps the connections; a failed resume rejoins and rebuilds them', async () => {
    const ann = await freshCall();
    const bob = await freshCall();
    await ann.join({ room: 'r5', nick: 'Ann', media: camera() });
    await bob.join({ room: 'r5', nick: 'Bob', media: camera() });
    const connected = (call: UseCallReturn, nick: string) =>
      call.participants.value.find((p) => p.nick === nick && p.connectionState === 'connected' && p.cameraStream);
    await until('connected both ways', () => connected(ann, 'Bob') && connected(bob, 'Ann'));
    const annId = ann.self.value!.id;
    const pcs = fakeConnections.length;

    // 1. The network blips; the server kept Ann: same id, same connections, nobody left.
    server.keepOnDisconnect = true;
    const statuses: string[] = [];
    const { watch } = await import('vue');
    const stop = watch(ann.status, (st) => statuses.push(st), { flush: 'sync' });
    server.drop(annId);
    await until('Ann resumed', () => statuses.includes('reconnecting') && ann.status.value === 'joined');
    expect(ann.self.value!.id).toBe(annId);
    expect(fakeConnections.length).toBe(pcs);
    expect(connected(ann, 'Bob')).toBeTruthy();
    expect(bob.participants.value.map((p) => p.id)).toEqual([annId]);

    // 2. The server forgot Ann: she joins again as herself with a new id and offers anew.
    server.keepOnDisconnect = false;
    statuses.length = 0;
    server.drop(annId);
    await until('Ann rejoined with a new id', () => ann.status.value === 'joined' && ann.self.value!.id !== annId);
    const newId = ann.self.value!.id;
    await until('connected again both ways', () => connected(ann, 'Bob') && connected(bob, 'Ann'));
    expect(statuses).toContain('reconnecting');
    expect(ann.self.value!.nick).toBe('Ann');
    expect(bob.participants.value.map((p) => p.id)).toEqual([newId]);
    expect(fakeConnections.length).toBe(pcs + 2); // one new connection on each side
    stop();
    await Promise.all([ann.leave(), bob.leave()]);
  });

  it("sets error and rejects with the server's code", async () => {
    const call = await freshCall();
    const err = await call
      .join({ room: 'r2', nick: 'Crowd', media: nothing })
      .catch((e: unknown) => e as { code?: string });
    expect(err).toMatchObject({ code: 'ROOM_FULL' });
    expect(call.status.value).toBe('error');
    expect(call.error.value).toEqual({ code: 'ROOM_FULL', message: 'The room is full' });
  });
});
