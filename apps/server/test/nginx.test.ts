import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { io } from 'socket.io-client';
import { PROTOCOL_VERSION, type JoinResult } from '@meshmeet/protocol';
import { METRICS_AUTH, REPO_ROOT, record, requestOk, spawnNode, uniquePrefix, waitFor, type ChildNode, type Client } from './helpers.js';
import { freePort } from '@meshmeet/testkit';

/**
 * Scale-out as an operator runs it: nginx (Debian's package) in front of two server
 * processes sharing Redis, using the shipped `deploy/nginx/meshmeet.conf` with only its
 * ports rewritten. Clients come from different loopback addresses so the upstream hash
 * spreads them over both nodes.
 */
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

function nodeSockets(metrics: string): number {
  const m = /^meshmeet_sockets(?:\{[^}]*\})? (\d+)/m.exec(metrics);
  return m ? Number(m[1]) : NaN;
}

/** Connects through nginx from `localAddress` with the given transports. */
function connectVia(url: string, localAddress: string, transports: ('websocket' | 'polling')[]): Promise<Client> {
  const socket: Client = io(url, { auth: { v: PROTOCOL_VERSION }, transports, localAddress, forceNew: true, reconnection: false } as never);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

describe.skipIf(!NGINX)('two nodes behind nginx (deploy/nginx/meshmeet.conf)', () => {
  let dir: string;
  let nginx: ChildProcess;
  let nodes: ChildNode[] = [];
  let front: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    const env = { REDIS_URL: inject('redisUrl'), REDIS_PREFIX: uniquePrefix(), MAX_ROOM_SIZE: '50' };
    nodes = await Promise.all([spawnNode(env), spawnNode(env)]);
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'meshmeet-nginx-'));
    const site = readFileSync(join(REPO_ROOT, 'deploy/nginx/meshmeet.conf'), 'utf8')
      .replace(/server 127\.0\.0\.1:7071;\s*server 127\.0\.0\.1:7072;/, nodes.map((n) => `server ${new URL(n.url).host};`).join('\n'))
      .replace('listen 8080;', `listen 127.0.0.1:${port};`);
    expect(site).not.toContain(':7071');
    writeFileSync(
      join(dir, 'nginx.conf'),
      `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn; worker_processes 1;
       events { worker_connections 256; }
       http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir};
              fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
              ${site} }`,
    );
    nginx = spawn(NGINX!, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
    front = `http://127.0.0.1:${port}`;
    await waitFor('nginx answers', async () => (await fetch(`${front}/healthz`).catch(() => null))?.ok === true, 15_000);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    nginx?.kill('SIGTERM');
    await Promise.all(nodes.map((n) => n.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('spreads participants over both nodes; they list and signal each other across nodes', async () => {
    const room = '跨节点';
    const joined: JoinResult[] = [];
    for (let i = 0; i < 12; i++) {
      const c = await connectVia(front, `127.0.0.${10 + i}`, ['websocket']);
      clients.push(c);
      joined.push(await requestOk<JoinResult>(c, 'room:join', { room, nick: `p${i}` }));
    }
    const perNode = await Promise.all(nodes.map(async (n) => nodeSockets(await (await fetch(`${n.url}/metrics`, { headers: METRICS_AUTH })).text())));
    expect(perNode.every((count) => count > 0)).toBe(true);
    expect(perNode[0]! + perNode[1]!).toBe(12);

    const list = (await (await fetch(`${front}/userlist?room=${encodeURIComponent(room)}`)).json()) as { id: string }[];
    expect(list.map((m) => m.id).sort()).toEqual(joined.map((j) => j.self.id).sort());

    // Every participant signals the last one; it hears each with the true sender.
    const last = clients.at(-1)!;
    const heard = record(last, 'signal');
    for (let i = 0; i < 11; i++) {
      await requestOk(clients[i]!, 'signal', { to: joined.at(-1)!.self.id, data: { n: i } });
    }
    await waitFor('11 signals through nginx', () => heard.length === 11);
    expect(heard.map((s) => s.from).sort()).toEqual(joined.slice(0, 11).map((j) => j.self.id).sort());
  });

  it('keeps an HTTP long-polling session on one node', async () => {
    const c = await connectVia(front, '127.0.0.99', ['polling']);
    clients.push(c);
    const res = await requestOk<JoinResult>(c, 'room:join', { room: 'polling', nick: 'slow network' });
    expect(res.self.nick).toBe('slow network');
    // Several round trips over polling: each would fail with "Session ID unknown" on the other node.
    for (let i = 0; i < 5; i++) await requestOk(c, 'peer:update', { mic: i % 2 === 0 });
    expect(c.io.engine.transport.name).toBe('polling');
  });

  it('keeps /metrics for the local scraper only', async () => {
    expect((await fetch(`${front}/metrics`, { headers: METRICS_AUTH })).status).toBe(200); // the test itself is 127.0.0.1
    const fromElsewhere = await new Promise<number>((resolve, reject) => {
      import('node:http').then(({ request }) =>
        request(`${front}/metrics`, { localAddress: '127.0.0.5', headers: METRICS_AUTH }, (res) => resolve(res.statusCode ?? 0)).on('error', reject).end(),
      );
    });
    expect(fromElsewhere).toBe(403);
  });
});
