/**
 * A room of six at the app's default capture: every page decodes the video of all five
 * others, because each sender's budget limits what it encodes per link (smaller pictures
 * for a room of six) — without it six 720p30 encoders per page starve two cores.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createFixture, uniqueRoom, type Fixture } from './support/fixture.js';
import { joinRoom, peerStats, selfId, waitForRemoteTiles } from './support/call.js';
import { waitFor } from './support/processes.js';

const N = 6;

/** What the page's send budget says about the link to `peerId`, and what its camera encodes. */
async function sentTo(page: Page, peerId: string): Promise<{ height: number | null; active: boolean | null; encodedHeight: number }> {
  return page.evaluate(async (id) => {
    type Budget = { outgoing: { camera: { height: number; active: boolean } | null } | null } | null;
    type Hook = { peerConnections(): Map<string, RTCPeerConnection>; budget(id: string): Budget };
    const hook = (window as unknown as { __meshmeet: Hook }).__meshmeet;
    const camera = hook.budget(id)?.outgoing?.camera ?? null;
    let encodedHeight = 0;
    (await hook.peerConnections().get(id)?.getStats())?.forEach((s: Record<string, unknown>) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video') encodedHeight = Math.max(encodedHeight, Number(s.frameHeight ?? 0));
    });
    return { height: camera?.height ?? null, active: camera?.active ?? null, encodedHeight };
  }, peerId);
}

/** Waits until `page` decodes new frames from every one of `ids` over one poll ≥ 1 s apart. */
async function waitForAllDecoding(page: Page, ids: string[], timeoutMs: number): Promise<void> {
  let before: number[] | null = null;
  let beforeAt = 0;
  let last: number[] = [];
  try {
    await waitFor(
      `decoded video from all ${ids.length}`,
      async () => {
        const now = Date.now();
        last = await Promise.all(ids.map(async (id) => (await peerStats(page, id)).framesDecoded));
        if (!before || now - beforeAt < 1000) {
          if (!before) [before, beforeAt] = [last, now];
          return false;
        }
        const grown = last.every((f, i) => f > before![i]! && f > 0);
        [before, beforeAt] = [last, now];
        return grown;
      },
      { timeoutMs, intervalMs: 500 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; frames decoded per peer: ${JSON.stringify(last)}`);
  }
}

describe('a room of six', { timeout: 240_000 }, () => {
  let fx: Fixture;
  before(async () => {
    fx = await createFixture();
  });
  after(async () => {
    await fx?.close();
  });

  test('every page decodes all five others, each sender sending a budgeted picture per link', async () => {
    const room = uniqueRoom('six');
    const pages: Page[] = [];
    for (let i = 0; i < N; i++) pages.push((await fx.open(`P${i}`)).page);
    for (const [i, page] of pages.entries()) await joinRoom(page, { room, nick: `P${i}` });
    const ids = await Promise.all(pages.map((p) => selfId(p)));
    for (const page of pages) await waitForRemoteTiles(page, N - 1, 60_000);
    for (const [i, page] of pages.entries()) await waitForAllDecoding(page, ids.filter((_, j) => j !== i), 90_000);

    // The budget, not luck: with five links each sender keeps every camera stream well
    // below the 720p it captures (unbudgeted, Chromium would start each link at full size).
    for (const [i, page] of pages.entries()) {
      for (const [j, id] of ids.entries()) {
        if (i === j) continue;
        const s = await sentTo(page, id);
        assert.equal(s.active, true, `P${i} → P${j}: camera should be sending`);
        assert.ok(s.height !== null && s.height <= 360, `P${i} → P${j}: budget height ${s.height} should be ≤ 360 in a room of six`);
        assert.ok(s.encodedHeight <= 360, `P${i} → P${j}: encoded ${s.encodedHeight} px tall, over the budget`);
      }
    }
  });
});
