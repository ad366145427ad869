/**
 * Screen and meeting recordings that are seekable, finish on
 * `ended`, survive a participant leaving and a reload; the recording notice; screen
 * sharing to the call, late joiners included. Real Chromium, fake capture devices,
 * files checked with ffprobe/ffmpeg.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixture, uniqueRoom, type Fixture } from './support/fixture.js';
import { leaveRoom, selfId, waitForRemoteTiles } from './support/call.js';
import { waitFor } from './support/processes.js';
import { waitForShareFrames } from './support/ui.js';
import { deliveredMediaSeconds, recordDeliveredChunks } from './recording-delivered.js';
import {
  EBML_MAGIC,
  UI_TIMEOUT_MS,
  clickButton,
  decodeErrors,
  fileHead,
  downloadNewest,
  endLastDisplayCapture,
  instrumentRecordingApis,
  joinWhenReady,
  lastRecorderSeconds,
  meanVolume,
  probe,
  startScreenRecording,
  stopRecording,
  waitButton,
  waitForStoredChunks,
} from './recording-support.js';

const NAME_RE = /^meshmeet-[^/]+-\d{8}-\d{6}\.webm$/;

/** The recording notices a page shows, as text lines. */
async function notices(page: import('playwright-core').Page): Promise<string[]> {
  const el = page.getByTestId('recording-notice');
  if (!(await el.isVisible().catch(() => false))) return [];
  return (await el.innerText()).split('\n').map((s) => s.trim()).filter(Boolean);
}

describe('recording', { timeout: 420_000 }, () => {
  let fx: Fixture;
  before(async () => {
    fx = await createFixture();
  });
  afterEach(() => fx?.closeParticipants());
  after(async () => {
    await fx?.close();
  });

  test('screen recording of ~3 s downloads as a seekable WebM of that length; ended also finishes a file', async () => {
    const a = await fx.open('Rita');
    await instrumentRecordingApis(a.page);
    const delivered = await recordDeliveredChunks(a.context);
    await a.page.reload({ waitUntil: 'domcontentloaded', timeout: UI_TIMEOUT_MS });
    await joinWhenReady(a.page, { room: uniqueRoom('rec'), nick: 'Rita' });

    await startScreenRecording(a.page);
    await new Promise((r) => setTimeout(r, 3000));
    await stopRecording(a.page);
    // Wall time MediaRecorder start() → stop(), for the log; the file is judged against
    // the media the recorder delivered (a busy machine's encoder may start late).
    const wallS = await lastRecorderSeconds(a.page);
    const recordedS = await deliveredMediaSeconds(delivered.last(), {}, 'screen');

    const first = await downloadNewest(a.page, 1, 'screen');
    assert.match(first.suggested, NAME_RE);
    const p1 = await probe(first.path);
    console.log(`# screen ${recordedS.toFixed(2)} s recorded (${wallS.toFixed(2)} s wall) → ${p1.compact.replace(/\n/g, ' ')}`);
    assert.ok(Number.isFinite(p1.duration), `ffprobe duration is ${p1.duration} (not seekable)`);
    assert.ok(recordedS > 0, 'the recorder delivered media');
    assert.ok(Math.abs(p1.duration - recordedS) <= 0.25, `duration ${p1.duration} s vs recorded ${recordedS.toFixed(2)} s`);
    assert.ok(p1.streams.some((s) => s.codec_type === 'video' && (s.width ?? 0) > 0), 'has a video stream');
    assert.equal(await decodeErrors(first.path), '', 'decodes without errors');

    // The user ends the capture from the browser: `ended` on the display track.
    await startScreenRecording(a.page);
    await new Promise((r) => setTimeout(r, 2000));
    await endLastDisplayCapture(a.page);
    await waitButton(a.page, 'Record screen');
    const endedS = await deliveredMediaSeconds(delivered.last(), {}, 'ended');
    const second = await downloadNewest(a.page, 2, 'ended');
    const p2 = await probe(second.path);
    console.log(`# ended after ${endedS.toFixed(2)} s → ${p2.compact.replace(/\n/g, ' ')}`);
    assert.ok(endedS > 0, 'the recorder delivered media');
    assert.ok(Math.abs(p2.duration - endedS) <= 0.25, `duration after ended: ${p2.duration} vs ${endedS.toFixed(2)}`);
    assert.equal(await decodeErrors(second.path), '');
  });

  test('meeting recording of a 3-person call has video + audio, shows the notice to all, survives a leave', async () => {
    const room = uniqueRoom('meet');
    const [ann, ben, cat] = await Promise.all(['Ann', 'Ben', 'Cat'].map((n) => fx.open(n)));
    await instrumentRecordingApis(ann!.page);
    const delivered = await recordDeliveredChunks(ann!.context);
    await ann!.page.reload({ waitUntil: 'domcontentloaded', timeout: UI_TIMEOUT_MS });
    for (const p of [ann!, ben!, cat!]) await joinWhenReady(p.page, { room, nick: p.name });
    for (const p of [ann!, ben!, cat!]) await waitForRemoteTiles(p.page, 2);

    await clickButton(ann!.page, 'Record meeting');
    await waitButton(ann!.page, 'Stop recording');
    await waitFor('Ann sees "You are recording"', async () => (await notices(ann!.page)).includes('You are recording'), {
      timeoutMs: 10_000,
    });
    for (const p of [ben!, cat!]) {
      await waitFor(`${p.name} sees "Ann is recording"`, async () => (await notices(p.page)).includes('Ann is recording'), {
        timeoutMs: 10_000,
      });
    }

    await new Promise((r) => setTimeout(r, 3000));
    await leaveRoom(cat!.page); // mid-recording
    await waitForRemoteTiles(ann!.page, 1);
    await new Promise((r) => setTimeout(r, 2000));
    await stopRecordingMeeting(ann!.page);
    const wallS = await lastRecorderSeconds(ann!.page);
    const recordedS = await deliveredMediaSeconds(delivered.last(), {}, 'meeting');

    await waitFor('notice clears for Ben', async () => (await notices(ben!.page)).length === 0, { timeoutMs: 10_000 });
    await waitFor('notice clears for Ann', async () => (await notices(ann!.page)).length === 0, { timeoutMs: 10_000 });

    const file = await downloadNewest(ann!.page, 1, 'meeting');
    const p = await probe(file.path);
    console.log(`# meeting ${recordedS.toFixed(2)} s recorded (${wallS.toFixed(2)} s wall) → ${p.compact.replace(/\n/g, ' ')}`);
    assert.ok(p.streams.some((s) => s.codec_type === 'video' && (s.width ?? 0) > 0), 'video stream');
    assert.ok(p.streams.some((s) => s.codec_type === 'audio'), 'audio stream');
    assert.ok(recordedS > 0, 'the recorder delivered media');
    assert.ok(Math.abs(p.duration - recordedS) <= 0.25, `duration ${p.duration} vs recorded ${recordedS.toFixed(2)}`);
    assert.equal(await decodeErrors(file.path), '');
    const volume = await meanVolume(file.path);
    console.log(`# meeting mean volume ${volume} dB`);
    assert.ok(volume > -60, `mixed audio is not silent (mean ${volume} dB)`);
    for (const p2 of [ann!, ben!]) await leaveRoom(p2.page);
  });

  test('reload during a recording offers recovery, and the recovered file decodes', async () => {
    const room = uniqueRoom('crash');
    const a = await fx.open('Rex');
    const delivered = await recordDeliveredChunks(a.context);
    await a.page.reload({ waitUntil: 'domcontentloaded', timeout: UI_TIMEOUT_MS });
    await joinWhenReady(a.page, { room, nick: 'Rex' });
    await startScreenRecording(a.page);
    // Reload once the app has stored three chunks (on a busy machine the encoder's first
    // frames can come seconds after start: a fixed delay may leave nothing to recover).
    const stored = await waitForStoredChunks(a.page, 3);
    await a.page.reload({ waitUntil: 'domcontentloaded', timeout: UI_TIMEOUT_MS });
    // The lobby offers the recording first; the offer must not stand in the way of
    // joining (a floating card once covered the Join button), and follows into the call.
    await waitButton(a.page, 'Recover recording', UI_TIMEOUT_MS);
    await joinWhenReady(a.page, { room, nick: 'Rex' });
    await waitButton(a.page, 'Recover recording', UI_TIMEOUT_MS);
    await clickButton(a.page, 'Recover recording');
    // Once recovered, the prompt offers the file; close it and take the panel's copy.
    await a.page.getByTestId('recording-recovery').getByRole('button', { name: 'Close', exact: true }).click({ timeout: UI_TIMEOUT_MS });
    const file = await downloadNewest(a.page, 1, 'recovered');
    const p = await probe(file.path);
    const storedS = await deliveredMediaSeconds(delivered.last(), { chunks: stored }, 'reload-stored');
    console.log(`# recovered (${stored} chunks stored = ${storedS.toFixed(2)} s) → ${p.compact.replace(/\n/g, ' ')}`);
    assert.deepEqual(await fileHead(file.path, 4), EBML_MAGIC, 'starts with the EBML header');
    assert.ok(storedS > 0, 'the stored chunks hold media');
    // Every stored chunk is in the file (less a frame cut off at the end of the last one).
    assert.ok(Number.isFinite(p.duration) && p.duration >= storedS - 0.1, `recovered ${p.duration} s of ${storedS.toFixed(2)} s stored`);
    assert.equal(await decodeErrors(file.path), '');
    await leaveRoom(a.page);
  });

  test('a screen share reaches the other participant and a late joiner', async () => {
    const room = uniqueRoom('share');
    const [sam, tia] = await Promise.all(['Sam', 'Tia'].map((n) => fx.open(n)));
    for (const p of [sam!, tia!]) await joinWhenReady(p.page, { room, nick: p.name });
    await waitForRemoteTiles(tia!.page, 1);
    const samId = await selfId(sam!.page);
    await clickButton(sam!.page, 'Share screen');
    await waitButton(sam!.page, 'Stop sharing');
    await waitForShareFrames(tia!.page, samId, 30_000);

    const uma = await fx.open('Uma');
    await joinWhenReady(uma.page, { room, nick: 'Uma' });
    await waitForShareFrames(uma.page, samId, 30_000);

    await clickButton(sam!.page, 'Stop sharing');
    await waitButton(sam!.page, 'Share screen');
    for (const p of [tia!, uma]) {
      await waitFor(`${p.name}: share tile removed`, async () => (await shareTiles(p.page, samId)) === 0, { timeoutMs: 10_000 });
    }
  });
});

/** Stop a meeting recording and wait until it is saved. */
async function stopRecordingMeeting(page: import('playwright-core').Page): Promise<void> {
  await clickButton(page, 'Stop recording');
  await waitButton(page, 'Record meeting');
}

async function shareTiles(page: import('playwright-core').Page, peerId: string): Promise<number> {
  return page.locator(`[data-testid="share-tile"][data-peer-id="${peerId}"]`).count();
}
