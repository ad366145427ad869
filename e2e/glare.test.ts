/**
 * Issue 3, "Show it": both sides renegotiate at the same moment (glare) and both end up
 * connected. The renegotiation is started on the app's own RTCPeerConnections (through
 * the debug hook) at the same wall-clock instant in both pages; each connection's
 * signalingState history proves that both sides really had an offer out at once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createFixture, uniqueRoom, type Fixture } from './support/fixture.js';
import { joinRoom, peerStats, selfId, waitForDecodedVideo } from './support/call.js';
import { waitFor } from './support/processes.js';

/** Starts recording `peerId`'s connection signalingState transitions into a page global. */
async function watchSignaling(page: Page, peerId: string): Promise<void> {
  await page.evaluate((id) => {
    type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
    const w = window as unknown as { __meshmeet: Hook; __sigLog?: string[]; __sigWatched?: RTCPeerConnection };
    const pc = w.__meshmeet.peerConnections().get(id)!;
    w.__sigLog = [pc.signalingState];
    if (w.__sigWatched === pc) return; // one listener per connection; each round resets the log
    w.__sigWatched = pc;
    pc.addEventListener('signalingstatechange', () => w.__sigLog!.push(pc.signalingState));
  }, peerId);
}

/** At wall-clock time `at`, adds a transceiver to the connection, which needs negotiation. */
async function renegotiateAt(page: Page, peerId: string, at: number, kind: 'audio' | 'video'): Promise<void> {
  await page.evaluate(
    ({ id, at, kind }) => {
      type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
      const pc = (window as unknown as { __meshmeet: Hook }).__meshmeet.peerConnections().get(id)!;
      setTimeout(() => pc.addTransceiver(kind, { direction: 'recvonly' }), Math.max(0, at - Date.now()));
    },
    { id: peerId, at, kind },
  );
}

/** The connection's state summary after the dust settles. */
async function negotiated(page: Page, peerId: string) {
  return page.evaluate((id) => {
    type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
    const w = window as unknown as { __meshmeet: Hook; __sigLog?: string[] };
    const pc = w.__meshmeet.peerConnections().get(id);
    return {
      signalingState: pc?.signalingState,
      connectionState: pc?.connectionState,
      // Transceivers still without a mid were never part of an applied offer/answer.
      unnegotiated: pc?.getTransceivers().filter((t) => t.mid === null).length ?? -1,
      transceivers: pc?.getTransceivers().length ?? 0,
      log: w.__sigLog ?? [],
    };
  }, peerId);
}

describe('glare', { timeout: 150_000 }, () => {
  let fx: Fixture;
  before(async () => {
    fx = await createFixture();
  });
  after(async () => {
    await fx?.close();
  });

  test('both sides renegotiating at the same moment end up connected, three rounds in a row', async (t) => {
    const room = uniqueRoom('glare');
    const [p, q] = await Promise.all(['Pia', 'Quinn'].map((n) => fx.open(n)));
    await joinRoom(p!.page, { room, nick: 'Pia' });
    await joinRoom(q!.page, { room, nick: 'Quinn' });
    const pId = await selfId(p!.page);
    const qId = await selfId(q!.page);
    await waitForDecodedVideo(p!.page, qId);
    await waitForDecodedVideo(q!.page, pId);

    for (const [round, kind] of (['audio', 'video', 'audio'] as const).entries()) {
      await watchSignaling(p!.page, qId);
      await watchSignaling(q!.page, pId);
      const before = [await negotiated(p!.page, qId), await negotiated(q!.page, pId)];
      const at = Date.now() + 400;
      await Promise.all([renegotiateAt(p!.page, qId, at, kind), renegotiateAt(q!.page, pId, at, kind)]);

      const settled = await waitFor(
        `round ${round}: both sides stable, connected, all transceivers negotiated`,
        async () => {
          const s = [await negotiated(p!.page, qId), await negotiated(q!.page, pId)];
          const done = s.every(
            (x, i) =>
              x.signalingState === 'stable' &&
              x.connectionState === 'connected' &&
              x.unnegotiated === 0 &&
              x.transceivers > before[i]!.transceivers,
          );
          return done ? s : undefined;
        },
        { timeoutMs: 20_000 },
      );
      t.diagnostic(`round ${round} signaling: ${settled.map((s, i) => `side ${i}: ${s.log.join(' → ')}`).join(' | ')}`);
      // Both sides had their own offer out: that is the glare we meant to cause.
      for (const [i, s] of settled.entries()) {
        assert.ok(s.log.includes('have-local-offer'), `round ${round}: side ${i} never offered: ${s.log.join(' → ')}`);
      }
      // One side (the polite one) must have taken the other's offer while its own was out.
      assert.ok(
        settled.some((s) => s.log.includes('have-remote-offer')),
        `round ${round}: no side accepted the other's offer: ${settled.map((s) => s.log.join(' → ')).join(' | ')}`,
      );
    }
    // Media still flows both ways after the collisions.
    await waitForDecodedVideo(p!.page, qId);
    await waitForDecodedVideo(q!.page, pId);
    assert.equal((await peerStats(p!.page, qId)).connectionState, 'connected');
    assert.equal((await peerStats(q!.page, pId)).connectionState, 'connected');
  });
});
