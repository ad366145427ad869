/**
 * Four people in the network lab, each with an uplink capped at 1 Mbit/s (each sends
 * three streams through it): everyone decodes everyone, and no one's audio stops at
 * anyone for more than 1.5 s (the sampling grain) while the call runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LabCall, longestStall, readMonitor, startMonitor } from '@meshmeet/testkit/lab';
import { joinRoom, selfId, waitForAudioPackets, waitForDecodedVideo, waitForRemoteTiles } from './support/call.js';
import { uniqueRoom } from './support/fixture.js';

/** How long the call is watched once everyone decodes everyone. */
const WATCH_MS = 15_000;

describe('lab: four people at 1 Mbit/s uplink', { timeout: 300_000 }, () => {
  let call: LabCall;
  before(async () => {
    call = await LabCall.start();
  });
  after(async () => {
    await call?.close();
  });

  test('everyone decodes everyone and audio never stops', async (t) => {
    const room = uniqueRoom('cap');
    const names = ['Ada', 'Bo', 'Cy', 'Di'];
    const people = [];
    for (const name of names) people.push(await call.add(name, { uplink: '1mbit' }));
    for (const p of people) await joinRoom(p.page, { room, nick: p.name });
    const ids = await Promise.all(people.map((p) => selfId(p.page)));
    for (const [i, p] of people.entries()) {
      const others = ids.filter((_, j) => j !== i).sort();
      assert.deepEqual((await waitForRemoteTiles(p.page, 3)).sort(), others);
    }
    for (const [i, p] of people.entries()) {
      for (const [j, id] of ids.entries()) {
        if (i === j) continue;
        await waitForDecodedVideo(p.page, id, 60_000);
        await waitForAudioPackets(p.page, id, 60_000);
      }
    }

    await Promise.all(people.map((p) => startMonitor(p.page)));
    const from = Date.now();
    const sentBefore = await Promise.all(people.map((p) => bytesSent(p.page)));
    await new Promise((r) => setTimeout(r, WATCH_MS));
    const sentAfter = await Promise.all(people.map((p) => bytesSent(p.page)));
    const to = Date.now();

    for (const [i, p] of people.entries()) {
      const samples = await readMonitor(p.page);
      for (const [j, id] of ids.entries()) {
        if (i === j) continue;
        const audio = longestStall(samples, id, 'audioPackets', from, to);
        const video = longestStall(samples, id, 'framesDecoded', from, to);
        t.diagnostic(`${p.name} ← ${names[j]}: audio stall ${audio.stallMs} ms, video stall ${video.stallMs} ms, ${video.growth} frames`);
        assert.ok(audio.samples >= WATCH_MS / 1500, `${p.name}: too few samples (${audio.samples})`);
        assert.ok(audio.stallMs <= 1500, `${p.name} ← ${names[j]}: audio stopped for ${audio.stallMs} ms`);
        assert.ok(video.growth > 0, `${p.name} ← ${names[j]}: no video frames decoded while watching`);
      }
    }
    // The cap is real: nobody's media leaves faster than its link allows.
    for (const [i, p] of people.entries()) {
      const kbps = ((sentAfter[i]! - sentBefore[i]!) * 8) / (to - from);
      t.diagnostic(`${p.name} sends ${kbps.toFixed(0)} kbit/s of RTP payload through a 1 Mbit/s uplink`);
      assert.ok(kbps <= 1000, `${p.name} sent ${kbps.toFixed(0)} kbit/s through a 1 Mbit/s cap`);
    }
  });
});

/** RTP payload bytes this page has sent on all its connections. */
async function bytesSent(page: import('playwright-core').Page): Promise<number> {
  return page.evaluate(async () => {
    type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
    let sum = 0;
    for (const pc of (window as unknown as { __meshmeet: Hook }).__meshmeet.peerConnections().values()) {
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type === 'outbound-rtp') sum += Number(s.bytesSent ?? 0);
      });
    }
    return sum;
  });
}
