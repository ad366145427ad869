/**
 * A relay-only call through a real coturn on loopback connects with the short-lived
 * (REST-API) credentials the server hands out in the join acknowledgement, and getStats
 * shows a relay candidate pair on both sides. The public ICE endpoint gives no credentials.
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
    // Nobody who has not joined gets TURN credentials: the public list has none.
    const publicIce = JSON.stringify(await (await fetch(`${fx.server.url}/api/ice-servers`)).json());
    assert.doesNotMatch(publicIce, /credential|username/, `public ICE list: ${publicIce}`);

    const room = uniqueRoom('turn');
    const [u, v] = await Promise.all(['Uma', 'Vic'].map((n) => fx.open(n, 'ice=relay')));
    await joinRoom(u!.page, { room, nick: 'Uma' });
    await joinRoom(v!.page, { room, nick: 'Vic' });
    const uId = await selfId(u!.page);
    const vId = await selfId(v!.page);

    for (const [page, from] of [[u!.page, vId], [v!.page, uId]] as const) {
      const policy = await page.evaluate((id) => {
        type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
        const config = (window as unknown as { __meshmeet: Hook }).__meshmeet.peerConnections().get(id)?.getConfiguration();
        return config && { policy: config.iceTransportPolicy, servers: JSON.stringify(config.iceServers ?? []) };
      }, from);
      assert.equal(policy?.policy, 'relay');
      // The coturn URL with a REST-API username <expiry>:<id>, from the join acknowledgement.
      assert.match(policy?.servers ?? '', new RegExp(`turn:127\\.0\\.0\\.1:${fx.turn!.port}`), `ice servers: ${policy?.servers}`);
      assert.match(policy?.servers ?? '', /"username":"\d+:[^"]+"/, `REST-API username expected: ${policy?.servers}`);
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
