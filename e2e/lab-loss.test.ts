/**
 * 2 % random packet loss (each direction) on one participant's link: video from and to
 * that participant keeps coming with no gap over 2 s, and audio keeps flowing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LabCall, joinAndConnect, longestStall, readMonitor, startMonitor } from '@meshmeet/testkit/lab';
import { uniqueRoom } from './support/fixture.js';

const WATCH_MS = 15_000;

describe('lab: 2 % loss on one link', { timeout: 300_000 }, () => {
  let call: LabCall;
  before(async () => {
    call = await LabCall.start();
  });
  after(async () => {
    await call?.close();
  });

  test('frames keep coming (no gap over 2 s) and audio flows both ways', async (t) => {
    const lossy = await call.add('Lou', { loss: 0.02 });
    const clear = await call.add('Kim');
    const [lossyId, clearId] = await joinAndConnect([lossy, clear], uniqueRoom('loss'));
    await Promise.all([startMonitor(lossy.page), startMonitor(clear.page)]);
    const from = Date.now();
    const lostBefore = await packetsLost(clear.page, lossyId!);
    await new Promise((r) => setTimeout(r, WATCH_MS));
    const to = Date.now();
    const lost = (await packetsLost(clear.page, lossyId!)) - lostBefore;

    for (const [who, page, from_] of [
      ['Kim ← Lou', clear.page, lossyId!],
      ['Lou ← Kim', lossy.page, clearId!],
    ] as const) {
      const samples = await readMonitor(page);
      const video = longestStall(samples, from_, 'framesDecoded', from, to);
      const audio = longestStall(samples, from_, 'audioPackets', from, to);
      t.diagnostic(`${who}: longest video gap ${video.stallMs} ms (${video.growth} frames), audio gap ${audio.stallMs} ms (${audio.growth} packets)`);
      assert.ok(video.samples >= WATCH_MS / 1500, `${who}: too few samples`);
      assert.ok(video.stallMs <= 2000, `${who}: no frame for ${video.stallMs} ms`);
      assert.ok(audio.stallMs <= 1500, `${who}: audio stopped for ${audio.stallMs} ms`);
      // ~50 audio packets/s; with 2 % loss well over half must arrive.
      assert.ok(audio.growth >= (WATCH_MS / 1000) * 25, `${who}: only ${audio.growth} audio packets in ${WATCH_MS} ms`);
    }
    // The loss is real: the receiver counted lost packets from the lossy link.
    t.diagnostic(`Kim counted ${lost} packets lost from Lou while watching`);
    assert.ok(lost > 0, 'the lab dropped no packet: loss not applied');
  });
});

/** inbound-rtp packetsLost (audio + video) on `page` for the connection to `peerId`. */
async function packetsLost(page: import('playwright-core').Page, peerId: string): Promise<number> {
  return page.evaluate(async (id) => {
    type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
    const pc = (window as unknown as { __meshmeet: Hook }).__meshmeet.peerConnections().get(id);
    let lost = 0;
    (await pc?.getStats())?.forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp') lost += Number(s.packetsLost ?? 0);
    });
    return lost;
  }, peerId);
}
