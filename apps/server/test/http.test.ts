import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ErrorCode, Limits, type JoinResult } from '@meshmeet/protocol';
import { redisCommand, startRedis } from '@meshmeet/testkit';
import { METRICS_AUTH, connect, requestOk, startNode, uniquePrefix, waitFor, type TestNode } from './helpers.js';

describe('HTTP API', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode({
      redisUrl: inject('redisUrl'),
      redisPrefix: uniquePrefix(),
      iceServers: [{ urls: 'stun:127.0.0.1:3478' }],
      turnUrls: ['turn:127.0.0.1:3478'],
      turnSecret: 'test-secret-123',
      turnTtlS: 120,
    });
  });
  afterAll(() => node.close());

  it('every response carries the browser security headers (CSP, no framing, nosniff, no referrer, permissions)', async () => {
    for (const url of ['/healthz', '/userlist?room=x', '/userlist', '/no-such-path']) {
      const res = await node.app.inject({ url });
      const csp = String(res.headers['content-security-policy']);
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("script-src 'self'");
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['referrer-policy'], url).toBe('no-referrer');
      expect(String(res.headers['permissions-policy']), url).toContain('camera=(self)');
      expect(String(res.headers['permissions-policy']), url).toContain('display-capture=(self)');
      // HSTS must not be pinned by a node that speaks plain HTTP.
      expect(res.headers['strict-transport-security'], url).toBeUndefined();
    }
  });

  it('GET /userlist: [] for an unknown room, 400 for an invalid name', async () => {
    expect(await (await node.app.inject({ url: '/userlist?room=nobody-here' })).json()).toEqual([]);
    for (const url of ['/userlist', '/userlist?room=', `/userlist?room=${'x'.repeat(65)}`, '/userlist?room=%00']) {
      const res = await node.app.inject({ url });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: ErrorCode.INVALID_PAYLOAD, message: expect.stringContaining('room') } });
    }
    // Headers are validated by the route schema too: an oversized password never reaches scrypt.
    const long = await node.app.inject({ url: '/userlist?room=nobody-here', headers: { 'x-room-password': 'p'.repeat(Limits.passwordMax + 1) } });
    expect(long.statusCode).toBe(400);
    expect(long.json()).toMatchObject({ error: { code: ErrorCode.INVALID_PAYLOAD, message: expect.stringContaining('x-room-password') } });
  });

  it('GET /userlist and /api/rooms/:room reflect joins, with Unicode names', async () => {
    const c = await connect(node.url);
    try {
      const r = await requestOk<JoinResult>(c, 'room:join', { room: '周会', nick: '小明' });
      const list = await node.app.inject({ url: `/userlist?room=${encodeURIComponent('周会')}` });
      expect(list.json()).toEqual([{ id: r.self.id, nick: '小明' }]);
      const info = await node.app.inject({ url: `/api/rooms/${encodeURIComponent('周会')}` });
      expect(info.json()).toEqual({ room: '周会', exists: true, size: 1, capacity: 8, full: false, hasPassword: false });
      // TURN credentials ride along in the join ack, bound to the participant's id.
      const turn = r.iceServers.find((s) => s.username);
      expect(turn?.username).toMatch(new RegExp(`^\\d+:${r.self.id}$`));
      // …and expire after TURN_TTL_S (120 s here).
      const expiry = Number(turn!.username!.split(':')[0]);
      const now = Math.floor(Date.now() / 1000);
      expect(expiry).toBeGreaterThanOrEqual(now + 110);
      expect(expiry).toBeLessThanOrEqual(now + 121);
    } finally {
      c.close();
    }
    expect((await node.app.inject({ url: `/api/rooms/${'y'.repeat(70)}` })).statusCode).toBe(400);
  });

  it('GET /api/ice-servers: the public STUN entries only, never TURN credentials', async () => {
    const res = await node.app.inject({ url: '/api/ice-servers' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({ iceServers: [{ urls: 'stun:127.0.0.1:3478' }] });
    expect(res.body).not.toMatch(/turn:|credential|username/);
  });

  it('GET /healthz, /readyz and /metrics', async () => {
    expect((await node.app.inject({ url: '/healthz' })).json()).toMatchObject({ status: 'ok' });
    expect((await node.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', redis: 'up', subscriber: 'up', evictionPolicy: 'noeviction', closing: false, reasons: [] });
    const a = await connect(node.url);
    const b = await connect(node.url);
    try {
      const ra = await requestOk<JoinResult>(a, 'room:join', { room: 'metrics', nick: 'A' });
      await requestOk<JoinResult>(b, 'room:join', { room: 'metrics', nick: 'B' });
      await requestOk(b, 'signal', { to: ra.self.id, data: { candidate: null } });
      const bad = await new Promise((r) => (b as unknown as { emit(...a: unknown[]): void }).emit('signal', { to: 'nobody', data: {} }, r));
      expect(bad).toMatchObject({ ok: false, error: { code: ErrorCode.PEER_NOT_FOUND } });
      const text = (await node.app.inject({ url: '/metrics', headers: METRICS_AUTH })).body;
      expect(text).toMatch(/^meshmeet_sockets 2$/m);
      expect(text).toMatch(/^meshmeet_rooms \d+$/m);
      expect(text).toMatch(/^meshmeet_members \d+$/m);
      expect(Number(/^meshmeet_members (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
      expect(text).toMatch(/^meshmeet_relays_total 1$/m);
      expect(text).toMatch(/^meshmeet_errors_total\{code="PEER_NOT_FOUND"\} 1$/m);
      // B's relay to A (bound on this node, so known to its view) was handed over at once;
      // the histogram counts only relays that waited on the store or Redis.
      expect(text).toMatch(/^meshmeet_relay_latency_seconds_count 0$/m);
      expect(text).toMatch(/^meshmeet_redis_subscriber_up 1$/m);
      expect(text).toMatch(/^meshmeet_redis_subscriber_reconnects_total 0$/m);
      expect(text).toMatch(/^meshmeet_process_resident_memory_bytes \d+/m);
    } finally {
      a.close();
      b.close();
    }
  });

  it('answers unknown API paths with a JSON 404', async () => {
    const res = await node.app.inject({ url: '/api/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: ErrorCode.NOT_FOUND } });
  });
});

describe('readiness follows Redis', () => {
  it('/readyz is 503 while Redis is unreachable and 200 again when it is back; joins say UNAVAILABLE', async () => {
    const redis = await startRedis();
    const node = await startNode({ redisUrl: redis.url, redisPrefix: uniquePrefix() });
    try {
      expect((await node.app.inject({ url: '/readyz' })).statusCode).toBe(200);
      const c = await connect(node.url);
      redis.proc.child.kill('SIGKILL');
      // The subscriber may notice first (then `subscriber: 'down'` alone); wait for the command connection too.
      await waitFor('readyz 503 with redis down', async () => (await node.app.inject({ url: '/readyz' })).json<{ redis: string }>().redis === 'down');
      expect((await node.app.inject({ url: '/readyz' })).json()).toMatchObject({ status: 'unavailable', redis: 'down', subscriber: 'down' });
      const ack = await new Promise((r) => (c as unknown as { emit(...a: unknown[]): void }).emit('room:join', { room: 'r', nick: 'n' }, r));
      expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.UNAVAILABLE } });
      const list = await node.app.inject({ url: '/userlist?room=r' });
      expect(list.statusCode).toBe(503);
      expect(list.json()).toMatchObject({ error: { code: ErrorCode.UNAVAILABLE } });
      expect((await node.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      const again = await startRedis({ port: redis.port });
      try {
        await waitFor('readyz 200', async () => (await node.app.inject({ url: '/readyz' })).statusCode === 200, 10_000);
        expect((await requestOk<JoinResult>(c, 'room:join', { room: 'r', nick: 'n' })).members).toEqual([]);
      } finally {
        c.close();
        await again.stop();
      }
    } finally {
      await node.close();
    }
  });
});

describe('readiness needs a Redis that never evicts', () => {
  it('/readyz is 503 with the reason while Redis may evict keys (allkeys-lru), 200 once it runs noeviction', async () => {
    const redis = await startRedis({ extraArgs: ['--maxmemory-policy', 'allkeys-lru'] });
    const node = await startNode({ redisUrl: redis.url, redisPrefix: uniquePrefix() });
    try {
      const res = await node.app.inject({ url: '/readyz' });
      expect(res.statusCode).toBe(503);
      const body = res.json<{ redis: string; evictionPolicy: string; reasons: string[] }>();
      expect(body).toMatchObject({ status: 'unavailable', redis: 'up', evictionPolicy: 'allkeys-lru' });
      expect(body.reasons.join(' ')).toMatch(/maxmemory-policy allkeys-lru.*noeviction/);
      expect(await redisCommand('127.0.0.1', redis.port, 'CONFIG SET maxmemory-policy noeviction')).toBe('+OK\r\n');
      await waitFor('readyz 200 under noeviction', async () => (await node.app.inject({ url: '/readyz' })).statusCode === 200);
    } finally {
      await node.close();
      await redis.stop();
    }
  });

  it('a Redis that refuses INFO and CONFIG (managed services): ready, with the policy reported unknown', async () => {
    const redis = await startRedis();
    const acl = 'ACL SETUSER meshmeet on >limited-password ~* &* +@all -info -config';
    expect(await redisCommand('127.0.0.1', redis.port, acl)).toBe('+OK\r\n');
    const url = `redis://meshmeet:limited-password@127.0.0.1:${redis.port}`;
    const node = await startNode({ redisUrl: url, redisPrefix: uniquePrefix() });
    try {
      const res = await node.app.inject({ url: '/readyz' });
      expect(res.json()).toMatchObject({ status: 'ready', redis: 'up', evictionPolicy: 'unknown', reasons: [] });
      expect(res.statusCode).toBe(200);
    } finally {
      await node.close();
      await redis.stop();
    }
  });
});

describe('web app and HTTPS', () => {
  it('serves WEB_DIST_DIR with an SPA fallback, but not for API paths', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshmeet-web-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>meshmeet</title>');
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    const node = await startNode({ webDistDir: dir });
    try {
      expect(node.servesWeb).toBe(true);
      expect((await node.app.inject({ url: '/' })).body).toContain('<title>meshmeet</title>');
      expect((await node.app.inject({ url: '/assets/app.js' })).body).toBe('console.log(1)');
      const deep = await node.app.inject({ url: '/room/standup?x=1' });
      expect(deep.statusCode).toBe(200);
      expect(deep.body).toContain('<title>meshmeet</title>');
      expect((await node.app.inject({ url: '/api/unknown' })).statusCode).toBe(404);
      expect((await node.app.inject({ url: '/healthz' })).json()).toMatchObject({ status: 'ok' });
    } finally {
      await node.close();
    }
  });

  it('HTTPS=self-signed serves TLS with a generated certificate', async () => {
    const node = await startNode({ https: 'self-signed' });
    try {
      expect(node.url).toMatch(/^https:/);
      const { request } = await import('node:https');
      const body = await new Promise<string>((resolve, reject) => {
        request(`${node.url}/healthz`, { rejectUnauthorized: false }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        })
          .on('error', reject)
          .end();
      });
      expect(JSON.parse(body)).toMatchObject({ status: 'ok' });
    } finally {
      await node.close();
    }
  });
});
