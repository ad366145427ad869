/**
 * The journey shared by the signaling-loss tests: two people in a call, a server taken
 * away mid-call (SIGKILL: no goodbye to anyone), and what must hold — media keeps flowing
 * between them the whole time, they resume with their ids once a server is reachable, and
 * chat, screen share and a new joiner work again afterwards.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { waitFor } from '@meshmeet/testkit';
import { joinRoom, selfId, uniqueRoom, waitForDecodedVideo, waitForRemoteTiles } from '@meshmeet/testkit/call';
import { LAB_METRICS_TOKEN, LabCall, joinAndConnect, longestStall, readMonitor, startMonitor, type LabService } from '@meshmeet/testkit/lab';
import { sendChat, showsReconnecting, startShare, waitForChat, waitForShareFrames } from './support/ui.js';

/** How long media is watched with no server at all. */
const OUTAGE_MS = 8000;

/**
 * Runs the journey on `call`: `outage()` takes a server away and resolves once it is
 * gone; `recover()` (optional) brings one back.
 */
export async function serverLossJourney(t: TestContext, call: LabCall, outage: () => Promise<void>, recover?: () => Promise<void>): Promise<void> {
  const ann = await call.add('Ann');
  const ben = await call.add('Ben');
  const room = uniqueRoom('sig');
  const [annId, benId] = await joinAndConnect([ann, ben], room);
  await Promise.all([startMonitor(ann.page), startMonitor(ben.page)]);

  const downAt = Date.now();
  await outage();
  await waitFor('someone to notice the lost server', async () => (await showsReconnecting(ann.page)) || (await showsReconnecting(ben.page)), {
    timeoutMs: 40_000,
  });
  if (recover) {
    // Media between the participants does not need the server.
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const upAt = Date.now();
    for (const [who, page, peer] of [
      ['Ann ← Ben', ann.page, benId!],
      ['Ben ← Ann', ben.page, annId!],
    ] as const) {
      const video = longestStall(await readMonitor(page), peer, 'framesDecoded', downAt, upAt);
      const audio = longestStall(await readMonitor(page), peer, 'audioPackets', downAt, upAt);
      t.diagnostic(`${who} without a server: video gap ${video.stallMs} ms, audio gap ${audio.stallMs} ms over ${upAt - downAt} ms (samples ${video.samples}, widest spacing ${video.maxSpacingMs} ms)`);
      assert.ok(video.samples >= OUTAGE_MS / 1500, `${who}: too few samples`);
      assert.ok(video.stallMs <= 2000 && audio.stallMs <= 2000, `${who}: media stopped while the server was down`);
    }
    await recover();
  }
  for (const p of [ann, ben]) {
    await waitFor(`${p.name}: back in the call`, async () => !(await showsReconnecting(p.page)), { timeoutMs: 60_000 });
  }
  const backAt = Date.now();
  assert.equal(await selfId(ann.page), annId, 'Ann got a new id');
  assert.equal(await selfId(ben.page), benId, 'Ben got a new id');
  for (const [who, page, peer] of [
    ['Ann ← Ben', ann.page, benId!],
    ['Ben ← Ann', ben.page, annId!],
  ] as const) {
    const samples = await readMonitor(page);
    const video = longestStall(samples, peer, 'framesDecoded', downAt, backAt);
    t.diagnostic(`${who} from outage to resume: longest video gap ${video.stallMs} ms over ${backAt - downAt} ms`);
    assert.ok(video.stallMs <= 2000, `${who}: video stopped for ${video.stallMs} ms during the outage`);
    const missing = samples.filter((s) => s.t >= downAt && !s.tiles.includes(peer));
    assert.equal(missing.length, 0, `${who}: the peer's tile went away during the outage`);
  }

  // Signaling works again: chat, screen share, and a new participant joining.
  await sendChat(ann.page, 'still here after the outage');
  await waitForChat(ben.page, 'still here after the outage');
  await startShare(ben.page);
  await waitForShareFrames(ann.page, benId!);
  const cat = await call.add('Cat');
  await joinRoom(cat.page, { room, nick: 'Cat' });
  const catId = await selfId(cat.page);
  assert.deepEqual((await waitForRemoteTiles(cat.page, 2)).sort(), [annId!, benId!].sort());
  await waitForRemoteTiles(ann.page, 2);
  await waitForDecodedVideo(ann.page, catId, 60_000);
}

/** The node's `meshmeet_sockets` gauge (connected Socket.IO clients). */
export async function socketCount(call: LabCall, node: LabService): Promise<number> {
  const res = await call.getText('/metrics', node.url, { authorization: `Bearer ${LAB_METRICS_TOKEN}` });
  const m = /^meshmeet_sockets(?:\{[^}]*\})? (\d+)/m.exec(res);
  if (!m) throw new Error(`no meshmeet_sockets in ${node.url}/metrics`);
  return Number(m[1]);
}
