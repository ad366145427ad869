/**
 * A receive-only participant — a browser with no camera and no microphone at all — joins,
 * sees and hears the others, is shown to them as a participant, and sends no media.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixture, uniqueRoom, type Fixture } from './support/fixture.js';
import {
  joinRoom,
  selfId,
  sentTrackLabels,
  waitForAudioPackets,
  waitForDecodedVideo,
  waitForRemoteTiles,
} from './support/call.js';

describe('receive-only', { timeout: 150_000 }, () => {
  let fx: Fixture;
  before(async () => {
    fx = await createFixture();
  });
  after(async () => {
    await fx?.close();
  });

  test('a participant without camera and microphone sees and hears the others', async () => {
    const room = uniqueRoom('recv');
    const a = await fx.open('Ava');
    const b = await fx.open('Ben');
    // No fake-device flag: this Chromium finds no camera and no microphone on the machine.
    const deviceless = await fx.launchExtraBrowser({ fakeDevices: false });
    const r = await fx.open('Ray', undefined, deviceless);
    const devices = await r.page.evaluate(async () => (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind !== 'audiooutput').length);
    assert.equal(devices, 0, 'the receive-only browser should have no input devices');

    await joinRoom(a.page, { room, nick: 'Ava' });
    await joinRoom(b.page, { room, nick: 'Ben' });
    await joinRoom(r.page, { room, nick: 'Ray' });
    const aId = await selfId(a.page);
    const bId = await selfId(b.page);
    const rId = await selfId(r.page);

    const shown = await waitForRemoteTiles(r.page, 2);
    assert.deepEqual([...shown].sort(), [aId, bId].sort());
    for (const id of [aId, bId]) {
      await waitForDecodedVideo(r.page, id);
      await waitForAudioPackets(r.page, id);
    }
    // The others show Ray's tile, and Ray sends nothing.
    for (const page of [a.page, b.page]) {
      const tiles = [...(await waitForRemoteTiles(page, 2))];
      assert.ok(tiles.includes(rId), `Ray's tile (${rId}) missing at a sender: ${tiles.join(', ')}`);
    }
    const sent = await sentTrackLabels(r.page, aId);
    assert.deepEqual(sent, { audio: [], video: [] }, 'a receive-only participant sends no tracks');
    // The two senders still see and hear each other with Ray in the room.
    await waitForDecodedVideo(a.page, bId);
    await waitForDecodedVideo(b.page, aId);
  });
});
