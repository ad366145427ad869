import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
// The server's socket.io (a root dev dependency of the monorepo) plays a scripted server.
import { Server, type Socket as ServerSocket } from 'socket.io';
import { DEFAULT_MEDIA_STATE, type JoinResult } from '@meshmeet/protocol';
import { SignalingClient, type SignalingClientOptions } from './signaling-client';
import { SignalingError } from './signaling-error';

type Ack = (a: unknown) => void;
interface Scripted {
  url: string;
  io: Server;
  sockets: ServerSocket[];
  events: string[];
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  vi.restoreAllMocks();
});

/** A loopback socket.io server whose behaviour each test scripts. */
async function scripted(onConnection: (s: ServerSocket, srv: Scripted) => void): Promise<Scripted> {
  const http = createServer();
  const io = new Server(http);
  const srv: Scripted = {
    url: '',
    io,
    sockets: [],
    events: [],
    close: () => new Promise<void>((r) => io.close(() => r())),
  };
  io.on('connection', (s) => {
    srv.sockets.push(s);
    s.onAny((event: string, payload: unknown) => srv.events.push(`${event} ${JSON.stringify(payload)}`));
    onConnection(s, srv);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  srv.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  cleanups.push(srv.close);
  return srv;
}

function client(url: string, extra: Partial<SignalingClientOptions> = {}): SignalingClient {
  const c = new SignalingClient({
    url,
    ackTimeoutMs: 500,
    connectTimeoutMs: 2000,
    io: { reconnectionDelay: 20, reconnectionDelayMax: 50, transports: ['websocket'] },
    ...extra,
  });
  cleanups.push(() => c.close());
  return c;
}

function joinResult(id: string, over: Partial<JoinResult> = {}): JoinResult {
  return {
    room: 'standup',
    self: { id, nick: 'Ann', ...DEFAULT_MEDIA_STATE },
    members: [],
    iceServers: [],
    resumeToken: `token-${id}`,
    resumeGraceMs: 5000,
    resumed: false,
    ...over,
  };
}

const waitFor = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('signaling client: join', () => {
  it('sends the protocol version, joins, and delivers events held during the join after it', async () => {
    let auth: unknown;
    const srv = await scripted((s) => {
      auth = s.handshake.auth;
      s.on('room:join', (_p: unknown, ack: Ack) => {
        // An event that races the ack must not reach the app before the join result.
        s.emit('peer:joined', { id: 'bob', nick: 'Bob', ...DEFAULT_MEDIA_STATE });
        ack({ ok: true, data: joinResult('ann') });
      });
    });
    const c = client(srv.url);
    const order: string[] = [];
    c.on('peerJoined', (p) => order.push(`peerJoined:${p.id}`));
    const result = await c.join({ room: 'standup', nick: 'Ann' });
    order.push(`joined:${result.self.id}`);
    await waitFor(() => order.length === 2);
    expect(auth).toEqual({ v: 1 });
    expect(order).toEqual(['joined:ann', 'peerJoined:bob']);
    expect(c.status).toBe('joined');
    expect(c.self?.id).toBe('ann');
  });

  it("rejects with the server's code and ends in status error", async () => {
    const srv = await scripted((s) => {
      s.on('room:join', (_p: unknown, ack: Ack) => ack({ ok: false, error: { code: 'ROOM_FULL', message: 'The room is full' } }));
    });
    const c = client(srv.url);
    const err = await c.join({ room: 'standup', nick: 'Ann' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignalingError);
    expect((err as SignalingError).code).toBe('ROOM_FULL');
    expect((err as SignalingError).message).toBe('The room is full');
    expect(c.status).toBe('error');
  });

  it('turns a refused handshake into its code', async () => {
    const srv = await scripted(() => undefined);
    srv.io.use((_s, next) => next(Object.assign(new Error('Unsupported protocol version'), { data: { code: 'UNSUPPORTED_VERSION' } })));
    const err = await client(srv.url).join({ room: 'r', nick: 'n' }).catch((e: unknown) => e);
    expect((err as SignalingError).code).toBe('UNSUPPORTED_VERSION');
  });

  it('fails with CONNECT_FAILED when nothing answers', async () => {
    const c = client('http://127.0.0.1:9', { connectTimeoutMs: 300 });
    const err = await c.join({ room: 'r', nick: 'n' }).catch((e: unknown) => e);
    expect((err as SignalingError).code).toBe('CONNECT_FAILED');
  });
});

describe('signaling client: requests and validation', () => {
  it('times out an unanswered ack and rejects a malformed one', async () => {
    const srv = await scripted((s) => {
      s.on('room:join', (_p: unknown, ack: Ack) => ack({ ok: true, data: joinResult('ann') }));
      s.on('chat:send', () => undefined); // never acks
      s.on('peer:update', (_p: unknown, ack: Ack) => ack({ yes: 'sure' }));
    });
    const c = client(srv.url, { ackTimeoutMs: 150 });
    await c.join({ room: 'r', nick: 'Ann' });
    const timeout = await c.sendChat('hello').catch((e: unknown) => e);
    expect((timeout as SignalingError).code).toBe('TIMEOUT');
    const bad = await c.update({ mic: true }).catch((e: unknown) => e);
    expect((bad as SignalingError).code).toBe('BAD_RESPONSE');
  });

  it('drops invalid or unknown server events, reports them, and keeps delivering valid ones', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const srv = await scripted((s) => {
      s.on('room:join', (_p: unknown, ack: Ack) => {
        ack({ ok: true, data: joinResult('ann') });
        setTimeout(() => {
          s.emit('peer:joined', { id: 'not an id!', nick: 'x' });
          s.emit('chat:message', null);
          s.emit('totally:unknown', 1);
          s.emit('peer:left', { id: 'bob', reason: 'left' });
        }, 20);
      });
    });
    const c = client(srv.url);
    const problems: string[] = [];
    const left: string[] = [];
    c.on('protocolError', (p) => problems.push(p.event));
    c.on('peerLeft', () => {
      throw new Error('a broken listener');
    });
    c.on('peerLeft', (p) => left.push(p.id));
    await c.join({ room: 'r', nick: 'Ann' });
    await waitFor(() => left.length === 1);
    expect(problems).toEqual(['peer:joined', 'chat:message', 'totally:unknown']);
    expect(left).toEqual(['bob']);
    expect(c.status).toBe('joined');
  });
});

describe('signaling client: reconnection', () => {
  it('resumes with the token after a dropped connection and sends signals queued meanwhile', async () => {
    const srv = await scripted((s) => {
      s.on('room:join', (p: { resumeToken?: string }, ack: Ack) => {
        ack({ ok: true, data: joinResult('ann', { resumed: p.resumeToken === 'token-ann' }) });
      });
      s.on('signal', (_p: unknown, ack: Ack) => ack({ ok: true, data: null }));
    });
    const c = client(srv.url);
    const statuses: string[] = [];
    const resumed: boolean[] = [];
    c.on('status', (st) => statuses.push(st));
    c.on('resumed', (r) => resumed.push(r.resumed));
    await c.join({ room: 'r', nick: 'Ann' });

    srv.sockets[0]!.conn.close(); // the network drops (not a server decision)
    await waitFor(() => c.status === 'reconnecting');
    const sent = c.signal('bob', { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' } });
    await sent;
    expect(resumed).toEqual([true]);
    expect(statuses).toEqual(['joining', 'joined', 'reconnecting', 'joined']);
    const joins = srv.events.filter((e) => e.startsWith('room:join') || e.startsWith('signal'));
    expect(joins[0]).toContain('"room":"r"');
    expect(joins[1]).toContain('"resumeToken":"token-ann"');
    expect(joins[2]).toMatch(/^signal .*"to":"bob"/);
  });

  it('joins afresh as the same person when the resume fails (new id: rejoined)', async () => {
    let n = 0;
    const srv = await scripted((s) => {
      s.on('room:join', (p: { resumeToken?: string }, ack: Ack) => {
        if (p.resumeToken) return ack({ ok: false, error: { code: 'RESUME_FAILED', message: 'expired' } });
        n += 1;
        ack({ ok: true, data: joinResult(`ann${n}`) });
      });
      s.on('peer:update', (_p: unknown, ack: Ack) => ack({ ok: true, data: null }));
    });
    const c = client(srv.url);
    const rejoined: string[] = [];
    c.on('rejoined', (r) => rejoined.push(r.self.id));
    await c.join({ room: 'r', nick: 'Ann' });
    await c.update({ cam: true, nick: 'Annie' });
    srv.sockets[0]!.conn.close();
    await waitFor(() => rejoined.length === 1);
    expect(rejoined).toEqual(['ann2']);
    const fresh = srv.events.filter((e) => e.startsWith('room:join') && !e.includes('resumeToken'));
    expect(fresh).toHaveLength(2);
    // The same room, with the name and camera state we had.
    expect(fresh[1]).toContain('"room":"r"');
    expect(fresh[1]).toContain('"nick":"Annie"');
    expect(fresh[1]).toContain('"cam":true');
    expect(c.status).toBe('joined');
  });

  it('comes back after a graceful server shutdown', async () => {
    const srv = await scripted((s) => {
      s.on('room:join', (p: { resumeToken?: string }, ack: Ack) =>
        ack({ ok: true, data: joinResult('ann', { resumed: Boolean(p.resumeToken) }) }),
      );
    });
    const c = client(srv.url);
    const shutdowns: number[] = [];
    c.on('shutdown', (p) => shutdowns.push(p.reconnectAfterMs));
    await c.join({ room: 'r', nick: 'Ann' });
    srv.sockets[0]!.emit('server:shutdown', { reconnectAfterMs: 50 });
    await waitFor(() => shutdowns.length === 1);
    srv.sockets[0]!.disconnect(true); // socket.io does not retry this by itself
    await waitFor(() => c.status === 'reconnecting');
    await waitFor(() => c.status === 'joined');
    expect(srv.sockets).toHaveLength(2);
  });

  it('keeps trying when a closing node refuses the reconnect with UNAVAILABLE', async () => {
    const srv = await scripted((s) => {
      s.on('room:join', (p: { resumeToken?: string }, ack: Ack) =>
        ack({ ok: true, data: joinResult('ann', { resumed: Boolean(p.resumeToken) }) }),
      );
    });
    let handshakes = 0;
    srv.io.use((_s, next) => {
      handshakes += 1;
      if (handshakes === 2) return next(Object.assign(new Error('closing'), { data: { code: 'UNAVAILABLE' } }));
      next();
    });
    const c = client(srv.url);
    const resumed: string[] = [];
    c.on('resumed', (r) => resumed.push(r.self.id));
    await c.join({ room: 'r', nick: 'Ann' });
    srv.sockets[0]!.conn.close();
    await waitFor(() => resumed.length === 1, 5000);
    expect(handshakes).toBe(3);
    expect(c.status).toBe('joined');
  });

  it('ends the call, without resuming, when the server says this connection was replaced', async () => {
    const srv = await scripted((s) => {
      s.on('room:join', (_p: unknown, ack: Ack) => ack({ ok: true, data: joinResult('ann') }));
      s.on('chat:send', (_p: unknown, ack: Ack) => {
        // What the server does to a stale connection: refuse, then close it.
        ack({ ok: false, error: { code: 'SESSION_REPLACED', message: 'replaced' } });
        s.disconnect(true);
      });
    });
    const c = client(srv.url);
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.code));
    await c.join({ room: 'r', nick: 'Ann' });
    await expect(c.sendChat('hi')).rejects.toMatchObject({ code: 'SESSION_REPLACED' });
    expect(c.status).toBe('error');
    expect(errors).toEqual(['SESSION_REPLACED']);
    // Once the server's close has gone through, the client is still ended, not reconnecting.
    await waitFor(() => srv.sockets[0]!.disconnected);
    expect(c.status).toBe('error');
    expect(srv.sockets).toHaveLength(1);
  });

  it('leave() tells the server and ends in status left', async () => {
    const srv = await scripted((s) => {
      s.on('room:join', (_p: unknown, ack: Ack) => ack({ ok: true, data: joinResult('ann') }));
      s.on('room:leave', (ack: Ack) => ack({ ok: true, data: null }));
    });
    const c = client(srv.url);
    await c.join({ room: 'r', nick: 'Ann' });
    await c.leave();
    expect(srv.events.some((e) => e.startsWith('room:leave'))).toBe(true);
    expect(c.status).toBe('left');
    await expect(c.sendChat('x')).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
  });
});
