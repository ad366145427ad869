/**
 * Two participants behind separate NATs whose routers let nothing through but traffic to
 * and from the servers: no direct path exists, so the call must go through coturn, with
 * the short-lived (REST-API) credentials the server hands out; getStats shows the relay
 * pair on both sides.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LabCall, SERVERS_ADDRESS, joinAndConnect } from '@meshmeet/testkit/lab';
import { peerStats } from './support/call.js';
import { uniqueRoom } from './support/fixture.js';

describe('lab: two NATs that block direct paths', { timeout: 300_000 }, () => {
  let call: LabCall;
  before(async () => {
    call = await LabCall.start({ turn: true });
  });
  after(async () => {
    await call?.close();
  });

  test('the call goes through coturn with short-lived credentials', async (t) => {
    const una = await call.add('Una', { nat: true, blockPeers: true });
    const vik = await call.add('Vik', { nat: true, blockPeers: true });
    // Separate private networks: neither participant's own address is reachable by the other.
    assert.notEqual(una.net.address.split('.').slice(0, 3).join('.'), vik.net.address.split('.').slice(0, 3).join('.'));
    const [unaId, vikId] = await joinAndConnect([una, vik], uniqueRoom('nat'));

    for (const [who, page, peer] of [
      ['Una', una.page, vikId!],
      ['Vik', vik.page, unaId!],
    ] as const) {
      const ice = await page.evaluate((id) => {
        type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
        const pc = (window as unknown as { __meshmeet: Hook }).__meshmeet.peerConnections().get(id);
        return pc?.getConfiguration().iceServers ?? [];
      }, peer);
      const turn = ice.find((s) => [s.urls].flat().some((u) => u.startsWith(`turn:${SERVERS_ADDRESS}`)));
      assert.ok(turn, `${who}: no lab TURN server in the connection's configuration: ${JSON.stringify(ice)}`);
      // coturn REST-API username: "<unix expiry>:<name>", expiring within the server's TTL.
      const expiry = Number(/^(\d+):/.exec(String(turn.username))?.[1]);
      const now = Date.now() / 1000;
      assert.ok(expiry > now && expiry <= now + 3600, `${who}: credential expiry ${expiry} is not short-lived (now ${now})`);

      const stats = await peerStats(page, peer);
      t.diagnostic(`${who}: selected pair ${JSON.stringify(stats.pair)}`);
      assert.ok(stats.pair, `${who}: no selected candidate pair`);
      assert.ok(stats.pair.local === 'relay' || stats.pair.remote === 'relay', `${who}: not relayed: ${JSON.stringify(stats.pair)}`);
      // Not relayed by us: then by the peer, whose relay candidate is on the servers' address.
      if (stats.pair.local !== 'relay') assert.equal(stats.pair.remoteAddress, SERVERS_ADDRESS, `${who}: remote end ${stats.pair.remoteAddress}`);
    }
  });
});
