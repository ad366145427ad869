import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startNode, type TestNode } from './helpers.js';

/**
 * The heartbeat settings reach Socket.IO: the handshake announces them to clients (which
 * time their own reconnects by them), and a connection that never answers a ping is closed.
 */
describe('heartbeat settings', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode({ pingIntervalMs: 1500, pingTimeoutMs: 2500 });
  });
  afterAll(async () => {
    await node?.close();
  });

  it('announces PING_INTERVAL_MS and PING_TIMEOUT_MS in the handshake and closes a silent connection', async () => {
    const ws = new WebSocket(node.url.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket');
    const frames: string[] = [];
    // `ws` does not answer Engine.IO pings ("2"), so the server must give up on it.
    const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    ws.on('message', (data) => frames.push(String(data)));
    await closed;
    const open = frames.find((f) => f.startsWith('0'));
    expect(open, `frames seen: ${frames.join(' | ')}`).toBeDefined();
    expect(JSON.parse(open!.slice(1))).toMatchObject({ pingInterval: 1500, pingTimeout: 2500 });
    expect(frames).toContain('2'); // it was pinged before being closed
  }, 30_000);
});
