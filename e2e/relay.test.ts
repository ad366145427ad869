/**
 * Issue 3, "Show it": a relay-only call through a real coturn on loopback, with the
 * short-lived (REST-API) credentials the server hands out, connects, and getStats shows
 * a relay candidate pair on both sides.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixture, uniqueRoom, type Fixture } from './support/fixture.js';
import { joinRoom, selfId, waitForAudioPackets, waitForDecodedVideo } from './support/call.js';

describe('relay through TURN', { timeout: 150_000 }, () => {
  let fx: Fixture;
  before(async () => {
    fx = await createFixture({ turn: true });
  });
  after(async () => {
    await fx?.close();
  });

  test('a relay-only call connects through coturn and uses a relay candidate pair', async (t) => {
    // The server's ICE list carries the coturn URLs with short-lived credentials.
    const ice = (await (await fetch(`${fx.server.url}/api/ice-servers`)).json()) as unknown;
    const text = JSON.stringify(ice);
    assert.match(text, new RegExp(`turn:127\\.0\\.0\\.1:${fx.turn!.port}`), `ice servers: ${text}`);
    assert.match(text, /"username":"\d+:[^"]+"/, `REST-API username <expiry>:<id> expected: ${text}`);

    const room = uniqueRoom('turn');
    const [u, v] = await Promise.all(['Uma', 'Vic'].map((n) => fx.open(n, 'ice=relay')));
    await joinRoom(u!.page, { room, nick: 'Uma' });
    await joinRoom(v!.page, { room, nick: 'Vic' });
    const uId = await selfId(u!.page);
    const vId = await selfId(v!.page);

    for (const [page, from] of [[u!.page, vId], [v!.page, uId]] as const) {
      const policy = await page.evaluate((id) => {
        type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
        return (window as unknown as { __meshmeet: Hook }).__meshmeet.peerConnections().get(id)?.getConfiguration().iceTransportPolicy;
      }, from);
      assert.equal(policy, 'relay');
      const stats = await waitForDecodedVideo(page, from);
      await waitForAudioPackets(page, from);
      assert.ok(stats.pair, 'a selected candidate pair');
      t.diagnostic(`selected pair: ${JSON.stringify(stats.pair)}`);
      assert.equal(stats.pair.local, 'relay', `local candidate ${JSON.stringify(stats.pair)}`);
      assert.equal(stats.pair.remote, 'relay', `remote candidate ${JSON.stringify(stats.pair)}`);
      assert.equal(stats.pair.localAddress, '127.0.0.1');
    }
  });
});
