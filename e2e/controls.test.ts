/**
 * In-call controls seen from the other side — muting and turning the
 * camera off show at the peers; switching camera mid-call keeps frames flowing there.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createFixture, uniqueRoom, type Fixture } from './support/fixture.js';
import {
  framesDecodedOver,
  joinRoom,
  peerStats,
  selfId,
  sentTrackLabels,
  tileHasMark,
  waitForDecodedVideo,
  waitForRemoteTiles,
} from './support/call.js';
import { waitFor } from './support/processes.js';

/** A 2 s mono WAV of 440 Hz bursts, 0.3 s on and 0.2 s off, made once per run with ffmpeg. */
async function speechLikeWav(): Promise<string> {
  const path = join(tmpdir(), 'meshmeet-speech-like.wav');
  const expr = 'sin(2*PI*440*t)*0.5*lt(mod(t\\,0.5)\\,0.3)';
  await promisify(execFile)('ffmpeg', ['-y', '-loglevel', 'error', '-f', 'lavfi', '-i', `aevalsrc=${expr}:s=48000:d=2`, '-ac', '1', path]);
  return path;
}

describe('call controls', { timeout: 180_000 }, () => {
  let fx: Fixture;
  before(async () => {
    fx = await createFixture();
  });
  afterEach(() => fx?.closeParticipants());
  after(async () => {
    await fx?.close();
  });

  test('who speaks lights up; muting the microphone and turning the camera off show at the peers', async () => {
    const room = uniqueRoom('mute');
    // Xia talks: her fake microphone plays bursts of tone, 0.3 s on and 0.2 s off, like
    // syllables (Chromium's own fake microphone only beeps briefly, about twice a second).
    const talker = await fx.launchExtraBrowser({ fakeDevices: true, extraArgs: [`--use-file-for-fake-audio-capture=${await speechLikeWav()}`] });
    const x = await fx.open('Xia', undefined, talker);
    const [y, z] = await Promise.all(['Yuri', 'Zoe'].map((n) => fx.open(n)));
    for (const p of [x!, y!, z!]) await joinRoom(p.page, { room, nick: p.name });
    const xId = await selfId(x!.page);
    for (const p of [y!, z!]) {
      await waitForRemoteTiles(p.page, 2);
      await waitForDecodedVideo(p.page, xId);
      assert.equal(await tileHasMark(p.page, xId, 'Microphone off'), false, `${p.name} shows Xia muted before she mutes`);
      // The level Xia's browser writes in her RTP packets lights her tile up.
      await waitFor(`${p.name} sees Xia speaking`, () => tileHasMark(p.page, xId, 'Speaking'), { timeoutMs: 10_000 });
    }
    // Our own level comes from our connection's media-source stats, not from received audio.
    await waitFor('Xia sees herself speaking', () => tileHasMark(x!.page, xId, 'Speaking'), { timeoutMs: 10_000 });

    await x!.page.getByRole('button', { name: 'Mute microphone', exact: true }).click();
    await x!.page.getByRole('button', { name: 'Unmute microphone', exact: true }).waitFor({ timeout: 5000 });
    for (const p of [y!, z!]) {
      await waitFor(`${p.name} sees Xia's microphone off`, () => tileHasMark(p.page, xId, 'Microphone off'), { timeoutMs: 5000 });
      const ringed = await p.page.locator(`[data-testid="participant-tile"][data-peer-id="${xId}"].speaking`).count();
      assert.equal(ringed, 0, `${p.name} still rings Xia's tile as speaking while she is muted`);
      // Muted, her microphone is on none of her connections: no encoder runs for it.
      const sent = await sentTrackLabels(x!.page, await selfId(p.page));
      assert.deepEqual(sent.audio, [], `Xia still sends a microphone track to ${p.name} while muted`);
    }
    await x!.page.getByRole('button', { name: 'Unmute microphone', exact: true }).click();
    for (const p of [y!, z!]) {
      await waitFor(`${p.name} sees Xia's microphone on again`, async () => !(await tileHasMark(p.page, xId, 'Microphone off')), { timeoutMs: 5000 });
      // And her voice is back on the same connections (no renegotiation needed).
      await waitFor(`${p.name} sees Xia speaking again`, () => tileHasMark(p.page, xId, 'Speaking'), { timeoutMs: 10_000 });
    }

    await x!.page.getByRole('button', { name: 'Turn camera off', exact: true }).click();
    await x!.page.getByRole('button', { name: 'Turn camera on', exact: true }).waitFor({ timeout: 5000 });
    for (const p of [y!, z!]) {
      await waitFor(`${p.name} sees Xia's camera off`, () => tileHasMark(p.page, xId, 'Camera off'), { timeoutMs: 5000 });
    }
    await x!.page.getByRole('button', { name: 'Turn camera on', exact: true }).click();
    for (const p of [y!, z!]) {
      await waitFor(`${p.name} sees Xia's camera on again`, async () => !(await tileHasMark(p.page, xId, 'Camera off')), { timeoutMs: 5000 });
      // And real frames come back, not just the mark going away.
      await waitForDecodedVideo(p.page, xId);
    }
    for (const p of [x!, y!, z!]) await p.context.close();
  });

  test('switching camera mid-call keeps frames flowing at the peers', async () => {
    // Two participants: the switch happens on Sam's side, Wen watches the frames.
    const room = uniqueRoom('cam');
    const [s, w] = await Promise.all(['Sam', 'Wen'].map((n) => fx.open(n)));
    await joinRoom(s!.page, { room, nick: 'Sam' });
    await joinRoom(w!.page, { room, nick: 'Wen' });
    const sId = await selfId(s!.page);
    const wId = await selfId(w!.page);
    await waitForDecodedVideo(w!.page, sId);

    const before = (await sentTrackLabels(s!.page, wId)).video;
    assert.equal(before.length, 1, `Sam sends one camera track, got ${JSON.stringify(before)}`);
    assert.equal(before[0], 'fake_device_0');
    // Pick another camera in the in-call device panel. fake_device_2, not _1: Chromium's
    // fake_device_1 is a Y16 (depth) source WebRTC cannot encode (see support/browser.ts).
    await s!.page.getByRole('button', { name: 'Devices', exact: true }).click();
    await s!.page.getByLabel('Camera', { exact: true }).selectOption({ label: 'fake_device_2' });
    const after = await waitFor('Sam to send the other camera', async () => {
      const v = (await sentTrackLabels(s!.page, wId)).video;
      return v.length === 1 && v[0] !== before[0] ? v : undefined;
    }, { timeoutMs: 10_000 });
    assert.equal(after[0], 'fake_device_2');

    // Frames keep flowing at the peer on the same connection (replaceTrack, no new call):
    // at 20 fps, ≥ 20 frames in 3 s is a conservative floor for a 2-core CI machine.
    const decoded = await framesDecodedOver(w!.page, sId, 3000);
    assert.ok(decoded >= 20, `Wen decoded only ${decoded} frames from Sam in 3 s after the switch`);
    assert.equal((await peerStats(w!.page, sId)).connectionState, 'connected');
    await waitForDecodedVideo(w!.page, sId);
  });
});
