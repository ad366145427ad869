/**
 * Several rooms at once, and leaving / joining late.
 * Real Chromium pages with fake camera and microphone, one context per participant,
 * against the built app served by the real server, all on loopback.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixture, uniqueRoom, type Fixture } from './support/fixture.js';
import {
  audioPlayback,
  connectionIds,
  joinRoom,
  peerStats,
  remoteTiles,
  selfId,
  waitForAudioPackets,
  waitForDecodedVideo,
  waitForRemoteTiles,
} from './support/call.js';
import { waitFor } from './support/processes.js';
import type { Participant } from './support/browser.js';

/** Joins everyone in order and returns their peer ids. */
async function joinAll(people: Participant[], room: string): Promise<string[]> {
  const ids: string[] = [];
  for (const p of people) {
    await joinRoom(p.page, { room, nick: p.name });
    ids.push(await selfId(p.page));
  }
  return ids;
}

/** Asserts `p` shows exactly `expected` as remote tiles, each with decoding video and audio. */
async function assertSeesAndHears(p: Participant, expected: string[]): Promise<void> {
  const shown = await waitForRemoteTiles(p.page, expected.length);
  assert.deepEqual([...shown].sort(), [...expected].sort(), `${p.name} shows the wrong tiles`);
  // All streams at once: sequential waits would multiply the ≥ 1 s "still growing" windows.
  await Promise.all(
    expected.map(async (id) => {
      const v = await waitForDecodedVideo(p.page, id);
      assert.ok(v.framesDecoded > 0 && v.frameWidth > 0, `${p.name}: video from ${id} decodes`);
      await waitForAudioPackets(p.page, id);
    }),
  );
}

/** Records, in each page, the wall-clock time at which `peerId`'s tile leaves the DOM. */
async function watchTileRemoval(pages: Participant[], peerId: string): Promise<void> {
  await Promise.all(
    pages.map((p) =>
      p.page.evaluate((id) => {
        const w = window as unknown as { __tileGoneAt?: number | null };
        const sel = `[data-testid="participant-tile"][data-peer-id="${CSS.escape(id)}"]`;
        w.__tileGoneAt = null;
        const obs = new MutationObserver(() => {
          if (!document.querySelector(sel)) {
            w.__tileGoneAt = Date.now();
            obs.disconnect();
          }
        });
        obs.observe(document.body, { childList: true, subtree: true });
      }, peerId),
    ),
  );
}

describe('rooms', { timeout: 240_000 }, () => {
  let fx: Fixture;
  before(async () => {
    fx = await createFixture();
  });
  afterEach(() => fx?.closeParticipants());
  after(async () => {
    await fx?.close();
  });

  test('3 people in room A and 2 in room B see and hear only their own room, each voice played once', async () => {
    const roomA = uniqueRoom('a');
    const roomB = uniqueRoom('b');
    const a = await Promise.all(['Ann', 'Abe', 'Ada'].map((n) => fx.open(n)));
    const b = await Promise.all(['Bea', 'Bob'].map((n) => fx.open(n)));
    // Interleave the joins so both rooms form at the same time on the one server.
    const [idsA, idsB] = await Promise.all([joinAll(a, roomA), joinAll(b, roomB)]);

    await Promise.all([
      ...a.map((p, i) => assertSeesAndHears(p, idsA.filter((_, j) => j !== i))),
      ...b.map((p, i) => assertSeesAndHears(p, idsB.filter((_, j) => j !== i))),
    ]);
    // No tile and no connection crosses rooms (re-read after everything has settled).
    for (const p of [...a, ...b]) {
      const own = a.includes(p) ? idsA : idsB;
      const other = a.includes(p) ? idsB : idsA;
      const tiles = await remoteTiles(p.page);
      for (const t of tiles) assert.ok(own.includes(t.peerId), `${p.name} shows ${t.peerId} from the other room`);
      const conns = await connectionIds(p.page);
      for (const id of other) assert.ok(!conns.includes(id), `${p.name} has a connection to ${id} of the other room`);
    }
    // Each remote participant is heard exactly once, and nobody hears their own microphone.
    const everyone = [...a, ...b];
    const everyId = [...idsA, ...idsB];
    for (const [i, p] of everyone.entries()) {
      const roomIds = a.includes(p) ? idsA : idsB;
      const expected = roomIds.filter((id) => id !== everyId[i]);
      const played = await audioPlayback(p.page);
      assert.deepEqual(
        Object.fromEntries(expected.map((id) => [id, played.remote[id]])),
        Object.fromEntries(expected.map((id) => [id, 1])),
        `${p.name}: each remote audio must play exactly once: ${JSON.stringify(played)}`,
      );
      assert.equal(played.ownPlayed, 0, `${p.name} plays its own microphone`);
    }
    for (const p of [...a, ...b]) await p.context.close();
  });

  test('a leaver vanishes within 5 s and its connections close; a late joiner connects to everyone', async () => {
    const room = uniqueRoom('c');
    const people = await Promise.all(['Cat', 'Cid', 'Col'].map((n) => fx.open(n)));
    const ids = await joinAll(people, room);
    await Promise.all([
      assertSeesAndHears(people[0]!, [ids[1]!, ids[2]!]),
      assertSeesAndHears(people[1]!, [ids[0]!, ids[2]!]),
    ]);

    const [stay1, stay2, leaver] = people as [Participant, Participant, Participant];
    const leaverId = ids[2]!;
    // Timed in the pages themselves (all share the machine's clock): the Leave click in the
    // leaver's page, the tile's removal from the DOM in each other page. Polling from the
    // test would add its own delay on a loaded machine.
    await watchTileRemoval([stay1, stay2], leaverId);
    const clickedAt = await leaver.page.evaluate(() => {
      const button = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Leave' || b.getAttribute('aria-label') === 'Leave');
      const at = Date.now();
      button!.click();
      return at;
    });
    for (const p of [stay1, stay2]) {
      const goneAt = await waitFor(
        `${p.name}: ${leaverId}'s tile gone`,
        () => p.page.evaluate(() => (window as unknown as { __tileGoneAt?: number | null }).__tileGoneAt),
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      assert.ok(goneAt - clickedAt <= 5000, `${p.name}: tile gone ${goneAt - clickedAt} ms after Leave`);
    }
    await leaver.page.getByRole('button', { name: 'Join', exact: true }).waitFor({ state: 'visible' });
    // Its connections are closed on every side: the others dropped theirs, and the
    // leaver holds none (closed and forgotten, or at least closed).
    for (const p of [stay1, stay2]) {
      await waitFor(`${p.name}: connection to ${leaverId} closed`, async () => {
        const s = await peerStats(p.page, leaverId);
        return s.connectionState === 'missing' || s.connectionState === 'closed';
      }, { timeoutMs: 5000 });
    }
    const leftover = await leaver.page.evaluate(() => {
      type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
      const hook = (window as unknown as { __meshmeet?: Hook }).__meshmeet;
      return hook ? [...hook.peerConnections().values()].filter((pc) => pc.connectionState !== 'closed').length : -1;
    });
    assert.equal(leftover, 0, 'the leaver still has open connections');
    // Tiles at the remaining two are still live after the leave.
    await Promise.all([assertSeesAndHears(stay1, [ids[1]!]), assertSeesAndHears(stay2, [ids[0]!])]);

    // A late joiner connects to everyone already there, and they to it.
    const late = await fx.open('Dee');
    await joinRoom(late.page, { room, nick: 'Dee' });
    const lateId = await selfId(late.page);
    await Promise.all([
      assertSeesAndHears(late, [ids[0]!, ids[1]!]),
      assertSeesAndHears(stay1, [ids[1]!, lateId]),
      assertSeesAndHears(stay2, [ids[0]!, lateId]),
    ]);
  });
});
