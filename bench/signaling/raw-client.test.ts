import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { ConnectRefusedError, RawSocketIoClient } from './raw-client.js';

/**
 * Checks the raw framing of the bench's load-generator client against a real
 * socket.io 4 server: if these pass, the bench speaks the same wire protocol as
 * socket.io-client does. Run: `node --import tsx --test bench/signaling/raw-client.test.ts`.
 */
describe('RawSocketIoClient against a real socket.io server', () => {
  let http: HttpServer;
  let io: Server;
  let url = '';

  before(async () => {
    http = createServer();
    // A short ping interval proves the client answers pings (else the server drops it).
    io = new Server(http, { pingInterval: 100, pingTimeout: 200, transports: ['websocket'] });
    io.use((socket, next) => {
      const auth = socket.handshake.auth as { v?: unknown };
      if (auth.v !== 1) {
        const err = new Error('unsupported version') as Error & { data: unknown };
        err.data = { code: 'UNSUPPORTED_VERSION' };
        next(err);
      } else next();
    });
    io.on('connection', (socket) => {
      socket.on('echo', (payload: unknown, ack?: (r: unknown) => void) => {
        if (typeof ack === 'function') ack({ ok: true, data: payload });
        socket.emit('echoed', payload, 'second');
      });
      socket.on('noack', (payload: unknown) => socket.emit('got', payload));
      socket.on('bye', () => socket.disconnect(true));
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  after(async () => {
    io.close();
    await new Promise((r) => http.close(r));
  });

  it('connects with auth and gets the socket id the server assigned', async () => {
    const c = await RawSocketIoClient.connect({ url, auth: { v: 1 } });
    assert.match(c.sid, /^[\w-]{10,}$/);
    assert.ok(io.sockets.sockets.has(c.sid), 'server knows this socket id');
    c.close();
  });

  it('surfaces a middleware refusal with its data', async () => {
    await assert.rejects(RawSocketIoClient.connect({ url, auth: { v: 2 } }), (err: unknown) => {
      assert.ok(err instanceof ConnectRefusedError);
      assert.equal(err.message, 'unsupported version');
      assert.deepEqual(err.data, { code: 'UNSUPPORTED_VERSION' });
      return true;
    });
  });

  it('round-trips an event with an ack and receives server events with several args', async () => {
    const events: Array<[string, unknown[]]> = [];
    const c = await RawSocketIoClient.connect({ url, auth: { v: 1 }, onEvent: (e, a) => events.push([e, a]) });
    const payload = { text: '会议室 "quoted" \\ back', n: 3 };
    // Several acks in flight at once must resolve to their own ids.
    const acks = await Promise.all([1, 2, 3].map((n) => c.emitWithAck('echo', { ...payload, n })));
    assert.deepEqual(acks.map((a) => (a as { data: { n: number } }).data.n), [1, 2, 3]);
    assert.deepEqual(acks[0], { ok: true, data: { ...payload, n: 1 } });
    await waitFor(() => events.length === 3);
    assert.deepEqual(events[0], ['echoed', [{ ...payload, n: 1 }, 'second']]);
    c.emitRaw('noack', JSON.stringify({ x: 1 }));
    await waitFor(() => events.some(([e]) => e === 'got'));
    assert.deepEqual(events.find(([e]) => e === 'got'), ['got', [{ x: 1 }]]);
    c.close();
  });

  it('answers pings, so the server keeps it past several ping timeouts', async () => {
    const c = await RawSocketIoClient.connect({ url, auth: { v: 1 } });
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(c.closed, false);
    assert.ok(io.sockets.sockets.has(c.sid));
    c.close();
  });

  it('notices a server-side disconnect and fails pending acks', async () => {
    const c = await RawSocketIoClient.connect({ url, auth: { v: 1 } });
    let reason = '';
    c.onClose = (r) => (reason = r);
    c.emitRaw('bye');
    await waitFor(() => c.closed);
    assert.ok(reason.startsWith('close'));
    const ack = await c.emitWithAck('echo', {});
    assert.deepEqual((ack as { error: { code: string } }).error.code, 'DISCONNECTED');
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
