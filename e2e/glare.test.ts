/**
 * Both sides renegotiate at the same moment (glare) and both end up
 * connected. The renegotiation is started on the app's own RTCPeerConnections (through
 * the debug hook) at the same wall-clock instant in both pages. Each connection's
 * signalingState history is timestamped on the machine's one clock (both pages run on it),
 * so the test can show that both sides were in `have-local-offer` during one common
 * instant: both offers were out at once, not one after the other.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createFixture, type Fixture } from './support/fixture.js';
import { peerStats, twoInACall, waitForDecodedVideo } from './support/call.js';
import { waitFor } from './support/processes.js';

/** One signalingState transition, at a time on the machine's clock (ms since the epoch). */
interface Transition {
  state: RTCSignalingState;
  at: number;
}

/** Starts recording `peerId`'s connection signalingState transitions into a page global. */
async function watchSignaling(page: Page, peerId: string): Promise<void> {
  await page.evaluate((id) => {
    type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
    type Entry = { state: RTCSignalingState; at: number };
    const w = window as unknown as { __meshmeet: Hook; __sigLog?: Entry[]; __sigWatched?: RTCPeerConnection };
    const pc = w.__meshmeet.peerConnections().get(id)!;
    const now = () => performance.timeOrigin + performance.now();
    w.__sigLog = [{ state: pc.signalingState, at: now() }];
    if (w.__sigWatched === pc) return; // one listener per connection; each round resets the log
    w.__sigWatched = pc;
    pc.addEventListener('signalingstatechange', () => w.__sigLog!.push({ state: pc.signalingState, at: now() }));
  }, peerId);
}

/** The intervals a side spent in have-local-offer: [entered, left) (left = Infinity if still there). */
function offerIntervals(log: Transition[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [i, t] of log.entries()) {
    if (t.state === 'have-local-offer') out.push([t.at, log[i + 1]?.at ?? Infinity]);
  }
  return out;
}

/** Whether some instant lies inside an offer interval of both sides. */
function offersOverlap(a: Transition[], b: Transition[]): boolean {
  return offerIntervals(a).some(([a0, a1]) => offerIntervals(b).some(([b0, b1]) => Math.max(a0, b0) < Math.min(a1, b1)));
}

const describeLog = (log: Transition[]) => log.map((t) => t.state).join(' → ');

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
    const w = window as unknown as { __meshmeet: Hook; __sigLog?: Array<{ state: RTCSignalingState; at: number }> };
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
    const { p, q, pId, qId } = await twoInACall((n) => fx.open(n), 'glare');

    for (const [round, kind] of (['audio', 'video', 'audio'] as const).entries()) {
      await watchSignaling(p.page, qId);
      await watchSignaling(q.page, pId);
      const before = [await negotiated(p.page, qId), await negotiated(q.page, pId)];
      const at = Date.now() + 400;
      await Promise.all([renegotiateAt(p.page, qId, at, kind), renegotiateAt(q.page, pId, at, kind)]);

      const settled = await waitFor(
        `round ${round}: both sides stable, connected, all transceivers negotiated`,
        async () => {
          const s = [await negotiated(p.page, qId), await negotiated(q.page, pId)];
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
      t.diagnostic(`round ${round} signaling: ${settled.map((s, i) => `side ${i}: ${describeLog(s.log)}`).join(' | ')}`);
      // Both offers were out at the same instant: the glare we meant to cause, not two offers in turn.
      assert.ok(
        offersOverlap(settled[0]!.log, settled[1]!.log),
        `round ${round}: the two sides were never in have-local-offer at the same time: ${settled.map((s) => describeLog(s.log)).join(' | ')}`,
      );
      // One side (the polite one) must have taken the other's offer while its own was out.
      assert.ok(
        settled.some((s) => s.log.some((x) => x.state === 'have-remote-offer')),
        `round ${round}: no side accepted the other's offer: ${settled.map((s) => describeLog(s.log)).join(' | ')}`,
      );
    }
    // Media still flows both ways after the collisions.
    await waitForDecodedVideo(p.page, qId);
    await waitForDecodedVideo(q.page, pId);
    assert.equal((await peerStats(p.page, qId)).connectionState, 'connected');
    assert.equal((await peerStats(q.page, pId)).connectionState, 'connected');
  });
});
