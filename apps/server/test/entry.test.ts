import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { describe, expect, it } from 'vitest';
import type { JoinResult } from '@meshmeet/protocol';
import { REPO_ROOT, connect, requestOk, spawnNode, startNode } from './helpers.js';

describe('the server entry point', () => {
  it('refuses to start on a bad setting and names it', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'apps/server/src/server.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: '0', MAX_ROOM_SIZE: 'eight' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(78);
    expect(run.stderr).toMatch(/Invalid MAX_ROOM_SIZE/);
  });

  it('memory store: serves, shuts down on SIGTERM telling clients, and never logs secrets', async () => {
    const node = await spawnNode({ LOG_LEVEL: 'trace', TURN_URLS: 'turn:127.0.0.1:3478', TURN_SECRET: 'very-secret-turn-key' });
    const c = await connect(node.url);
    const told = new Promise((r) => c.once('server:shutdown', r));
    const r = await requestOk<JoinResult>(c, 'room:join', { room: 'entry', nick: 'E', password: 'pass-word-123' });
    const turn = r.iceServers.find((s) => s.credential);
    expect(turn).toBeDefined();
    await (await fetch(`${node.url}/userlist?room=entry`, { headers: { 'x-room-password': 'pass-word-123' } })).json();
    expect(await node.stop()).toBe(0);
    expect(await told).toMatchObject({ reconnectAfterMs: expect.any(Number) });
    const log = node.output();
    expect(log).toContain('meshmeet listening on');
    expect(log).toContain('shutting down');
    for (const secret of ['very-secret-turn-key', 'pass-word-123', r.resumeToken, turn!.credential!]) expect(log).not.toContain(secret);
  });

  it('HTTPS=files serves the given certificate', async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec' });
    const dir = mkdtempSync(join(tmpdir(), 'meshmeet-tls-'));
    writeFileSync(join(dir, 'cert.pem'), pems.cert);
    writeFileSync(join(dir, 'key.pem'), pems.private);
    const node = await startNode({ https: 'files', tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
    try {
      expect(node.url).toMatch(/^https:/);
      const { request } = await import('node:https');
      const cert = await new Promise<string>((resolve, reject) => {
        const req = request(`${node.url}/healthz`, { rejectUnauthorized: false }, (res) => {
          const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
          res.resume();
          resolve(String(peer.subject?.CN ?? ''));
        });
        req.on('error', reject);
        req.end();
      });
      expect(cert).toBe('localhost');
    } finally {
      await node.close();
    }
    await expect(startNode({ https: 'files', tlsCert: join(dir, 'missing.pem'), tlsKey: join(dir, 'key.pem') })).rejects.toThrow(/TLS_CERT/);
  });
});
