import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, waitFor } from '@meshmeet/testkit';
import { RawSocketIoClient } from './raw-client.js';
import { REPO_ROOT } from './procs.js';

/**
 * The socket.io floor must carry the ladder's traffic exactly as the generators speak it
 * (join answered with the socket's id, `signal` delivered as `{from, data}` to its target
 * and acked), or `--floor` would compare meshmeet with a server that does less than
 * relaying. Run: `node --import tsx --test bench/signaling/floor-server.test.ts`.
 */
describe('the socket.io floor (floor-server.ts)', () => {
  let server: ChildProcess;
  let url = '';

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1' };
    delete env.REDIS_URL;
    server = spawn(process.execPath, ['--import', 'tsx', 'bench/signaling/floor-server.ts'], {
      cwd: REPO_ROOT,
      env,
      stdio: 'inherit',
    });
    await waitFor('the floor to answer /healthz', async () => (await fetch(`${url}/healthz`).catch(() => null))?.status === 200, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  });

  after(() => {
    server.kill();
  });

  it('answers a join with the socket id and relays a signal to its target only, acked ok', async () => {
    const got: Array<{ who: string; event: string; args: unknown[] }> = [];
    const clients = await Promise.all(['a', 'b', 'c'].map((who) => RawSocketIoClient.connect({ url, onEvent: (event, args) => got.push({ who, event, args }) })));
    const [a, b] = clients as [RawSocketIoClient, RawSocketIoClient, RawSocketIoClient];
    assert.deepEqual(await a.emitWithAck('room:join', { room: 'r', nick: 'a' }), { ok: true, data: { self: { id: a.sid } } });
    assert.deepEqual(await a.emitWithAck('signal', { to: b.sid, data: { candidate: 'x' } }), { ok: true, data: null });
    await waitFor('the relay to arrive', async () => got.length > 0, { timeoutMs: 5_000, intervalMs: 10 });
    assert.deepEqual(got, [{ who: 'b', event: 'signal', args: [{ from: a.sid, data: { candidate: 'x' } }] }]);
    for (const c of clients) c.close();
  });
});
