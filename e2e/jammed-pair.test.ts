/**
 * A pair whose negotiation jams is rebuilt. Chromium refuses an answer whose DTLS role is
 * `actpass` ("Failed to set SSL role") and keeps that error: every later description step
 * on that RTCPeerConnection fails, the rollback included. Pia's page corrupts exactly one
 * answer (the one to her screen-share offer); the call must replace her connection to
 * Quinn by a new one (same participant ids, no rejoin), and her share must then reach
 * Quinn with frames, camera video must flow both ways, and a later share from Quinn must
 * reach Pia on the new connection.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { scaled, waitFor } from '@meshmeet/testkit';
import { createFixture, type Fixture } from './support/fixture.js';
import { CALL_TIMEOUT_MS, remoteTiles, selfId, twoInACall, waitForDecodedVideo } from './support/call.js';

interface JamWindow {
  __meshmeet: { peerConnections(): Map<string, RTCPeerConnection> };
  __jam: { armed: boolean; refused: string[]; old: RTCPeerConnection | null };
}

/** Remembers the connection to `peerId` and makes the page corrupt the next answer it applies. */
async function corruptNextAnswer(page: Page, peerId: string): Promise<void> {
  await page.evaluate((id) => {
    const w = window as unknown as JamWindow;
    w.__jam = { armed: true, refused: [], old: w.__meshmeet.peerConnections().get(id) ?? null };
    type Apply = (this: RTCPeerConnection, desc: RTCSessionDescriptionInit) => Promise<void>;
    const original = RTCPeerConnection.prototype.setRemoteDescription as Apply;
    const corrupting: Apply = function (desc) {
      if (!w.__jam.armed || desc.type !== 'answer' || !/a=setup:(active|passive)/.test(desc.sdp ?? '')) return original.call(this, desc);
      w.__jam.armed = false;
      const sdp = desc.sdp!.replace(/a=setup:(active|passive)/g, 'a=setup:actpass');
      return original.call(this, { type: 'answer', sdp }).catch((error: unknown) => {
        w.__jam.refused.push(String(error));
        throw error;
      });
    };
    RTCPeerConnection.prototype.setRemoteDescription = corrupting as typeof RTCPeerConnection.prototype.setRemoteDescription;
  }, peerId);
}

/** The jam record plus whether the connection to `peerId` is still the one remembered. */
async function jamState(page: Page, peerId: string) {
  return page.evaluate((id) => {
    const w = window as unknown as JamWindow;
    const now = w.__meshmeet.peerConnections().get(id);
    return {
      armed: w.__jam.armed,
      refused: w.__jam.refused,
      replaced: !!now && now !== w.__jam.old,
      oldState: w.__jam.old?.signalingState ?? null,
      state: now?.signalingState ?? null,
    };
  }, peerId);
}

async function startShare(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Share screen', exact: true }).first().click();
  await page.getByRole('button', { name: 'Stop sharing', exact: true }).first().waitFor({ state: 'visible', timeout: scaled(CALL_TIMEOUT_MS) });
}

/** Waits until `page` shows `peerId`'s screen share with the frame count growing. */
async function waitForShareFrames(page: Page, peerId: string): Promise<void> {
  let prev = 0;
  await waitFor(
    `screen share frames from ${peerId}`,
    async () => {
      const n = await page
        .locator(`[data-testid="share-tile"][data-peer-id="${peerId}"] video`)
        .first()
        .evaluate((v) => {
          const el = v as HTMLVideoElement;
          return el.videoWidth > 0 ? el.getVideoPlaybackQuality().totalVideoFrames : 0;
        })
        .catch(() => 0);
      const growing = prev > 0 && n > prev;
      prev = n;
      return growing;
    },
    { timeoutMs: CALL_TIMEOUT_MS, intervalMs: 500 },
  );
}

describe('a jammed pair is rebuilt', { timeout: 150_000 }, () => {
  let fx: Fixture;
  before(async () => {
    fx = await createFixture();
  });
  after(async () => {
    await fx?.close();
  });

  test('after one refused answer a new connection carries the share, camera both ways, and a later share', async (t) => {
    const { p, q, pId, qId } = await twoInACall((n) => fx.open(n), 'jam');

    await corruptNextAnswer(p.page, qId);
    await startShare(p.page);
    let last: Awaited<ReturnType<typeof jamState>> | null = null;
    const jam = await waitFor('Pia refused the corrupted answer and replaced her connection to Quinn', async () => {
      last = await jamState(p.page, qId);
      return last.refused.length > 0 && last.replaced && last.state === 'stable' ? last : undefined;
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}; last seen: ${JSON.stringify(last)}`);
    });
    t.diagnostic(`refused: ${jam.refused[0]}`);
    assert.equal(jam.armed, false);
    assert.match(jam.refused[0]!, /setRemoteDescription/);
    assert.equal(jam.oldState, 'closed');

    await waitForShareFrames(q.page, pId);
    await waitForDecodedVideo(q.page, pId);
    await waitForDecodedVideo(p.page, qId);
    // Same participants on both pages: no leave, no rejoin.
    assert.deepEqual((await remoteTiles(p.page)).map((x) => x.peerId), [qId]);
    assert.deepEqual((await remoteTiles(q.page)).map((x) => x.peerId), [pId]);
    assert.equal(await selfId(p.page), pId);

    // The new pair keeps negotiating: Quinn's share reaches Pia.
    await startShare(q.page);
    await waitForShareFrames(p.page, qId);
  });
});
