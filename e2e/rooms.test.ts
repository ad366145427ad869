/**
 * Issue 3, "Show it": several rooms at once, and leaving / joining late.
 * Real Chromium pages with fake camera and microphone, one context per participant,
 * against the built app served by the real server, all on loopback.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixture, uniqueRoom, type Fixture } from './support/fixture.js';
import {
  connectionIds,
  joinRoom,
  leaveRoom,
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
  for (const id of expected) {
    const v = await waitForDecodedVideo(p.page, id);
    assert.ok(v.framesDecoded > 0 && v.frameWidth > 0, `${p.name}: video from ${id} decodes`);
    await waitForAudioPackets(p.page, id);
  }
}

describe('rooms', { timeout: 240_000 }, () => {
  let fx: Fixture;
  before(async () => {
    fx = await createFixture();
  });
  after(async () => {
    await fx?.close();
  });

  test('3 people in room A and 2 in room B see and hear only their own room', async () => {
    const roomA = uniqueRoom('a');
    const roomB = uniqueRoom('b');
    const a = await Promise.all(['Ann', 'Abe', 'Ada'].map((n) => fx.open(n)));
    const b = await Promise.all(['Bea', 'Bob'].map((n) => fx.open(n)));
    // Interleave the joins so both rooms form at the same time on the one server.
    const [idsA, idsB] = await Promise.all([joinAll(a, roomA), joinAll(b, roomB)]);

    for (const [i, p] of a.entries()) {
      await assertSeesAndHears(p, idsA.filter((_, j) => j !== i));
    }
    for (const [i, p] of b.entries()) {
      await assertSeesAndHears(p, idsB.filter((_, j) => j !== i));
    }
    // No tile and no connection crosses rooms (re-read after everything has settled).
    for (const p of [...a, ...b]) {
      const own = a.includes(p) ? idsA : idsB;
      const other = a.includes(p) ? idsB : idsA;
      const tiles = await remoteTiles(p.page);
      for (const t of tiles) assert.ok(own.includes(t.peerId), `${p.name} shows ${t.peerId} from the other room`);
      const conns = await connectionIds(p.page);
      for (const id of other) assert.ok(!conns.includes(id), `${p.name} has a connection to ${id} of the other room`);
    }
    for (const p of [...a, ...b]) await p.context.close();
  });

  test('a leaver vanishes within 5 s and its connections close; a late joiner connects to everyone', async () => {
    const room = uniqueRoom('c');
    const people = await Promise.all(['Cat', 'Cid', 'Col'].map((n) => fx.open(n)));
    const ids = await joinAll(people, room);
    await assertSeesAndHears(people[0]!, [ids[1]!, ids[2]!]);
    await assertSeesAndHears(people[1]!, [ids[0]!, ids[2]!]);

    const [stay1, stay2, leaver] = people as [Participant, Participant, Participant];
    const leaverId = ids[2]!;
    const t0 = Date.now();
    await leaveRoom(leaver.page);
    for (const p of [stay1, stay2]) {
      await waitFor(
        `${p.name}: ${leaverId}'s tile gone`,
        async () => !(await remoteTiles(p.page)).some((t) => t.peerId === leaverId),
        { timeoutMs: 5000 - (Date.now() - t0), intervalMs: 100 },
      );
    }
    const goneAfter = Date.now() - t0;
    assert.ok(goneAfter <= 5000, `tile gone after ${goneAfter} ms`);
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
    await assertSeesAndHears(stay1, [ids[1]!]);
    await assertSeesAndHears(stay2, [ids[0]!]);

    // A late joiner connects to everyone already there, and they to it.
    const late = await fx.open('Dee');
    await joinRoom(late.page, { room, nick: 'Dee' });
    const lateId = await selfId(late.page);
    await assertSeesAndHears(late, [ids[0]!, ids[1]!]);
    await assertSeesAndHears(stay1, [ids[1]!, lateId]);
    await assertSeesAndHears(stay2, [ids[0]!, lateId]);
  });
});
