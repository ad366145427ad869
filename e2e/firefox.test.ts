/**
 * Chromium ↔ Firefox ESR (driven through WebDriver BiDi with puppeteer-core): both see
 * and hear each other, a mute shows at the other engine, a screen share reaches the other
 * engine both ways (and Firefox's share says it has no sound, since Firefox ignores
 * `audio: true` in screen capture), a screen recording in Firefox is told it has no sound
 * and still yields a playable WebM, and leaving cleans up at the other side.
 *
 * Firefox runs headful on its own Xvfb display (see support/firefox.ts): it has no fake
 * screen, so its share captures that virtual screen.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser as FirefoxBrowser, Page as FirefoxPage } from 'puppeteer-core';
import { createFixture, uniqueRoom, type Fixture } from './support/fixture.js';
import {
  connectionIds,
  joinRoom,
  readPeerStatsInPage,
  selfId,
  tileHasMark,
  tileHasMarkInPage,
  waitForAudioPackets,
  waitForDecodedVideo,
  waitForRemoteTiles,
  type PeerStats,
} from './support/call.js';
import { firefoxButton, firefoxClick, firefoxFill, launchFirefox, openFirefoxPage } from './support/firefox.js';
import { waitFor } from './support/processes.js';
import { startShare, waitForShareFrames } from './support/ui.js';
import { DOWNLOADS, probe } from './recording-support.js';

describe('Chromium ↔ Firefox', { timeout: 300_000 }, () => {
  let fx: Fixture;
  let firefox: FirefoxBrowser | undefined;
  before(async () => {
    fx = await createFixture();
    firefox = await launchFirefox();
  });
  after(async () => {
    await firefox?.close().catch(() => undefined);
    await fx?.close();
  });

  test('see, hear, mute, share and leave across engines', async (t) => {
    const room = uniqueRoom('engines');
    const fox = await openFirefoxPage(firefox!, `${fx.server.url}/?debug=1`);
    const foxLog: string[] = [];
    fox.on('console', (m) => foxLog.push(`${m.type()}: ${m.text()}`));
    fox.on('pageerror', (e) => foxLog.push(`pageerror: ${String(e)}`));
    t.after(() => {
      if (foxLog.length) t.diagnostic(`Firefox console (last 15):\n${foxLog.slice(-15).join('\n')}`);
    });
    const cro = await fx.open('Cro');
    await firefoxFill(fox, 'Room', room);
    await firefoxFill(fox, 'Name', 'Fox');
    await firefoxClick(fox, 'Join');
    await firefoxButton(fox, 'Leave');
    await joinRoom(cro.page, { room, nick: 'Cro' });
    const croId = await selfId(cro.page);
    const foxId = await waitFor('Fox: own id', () =>
      fox.evaluate(() => document.querySelector('[data-testid="participant-tile"][data-local="true"]')?.getAttribute('data-peer-id') || undefined),
    );

    // Both see and hear each other.
    assert.deepEqual(await waitForRemoteTiles(cro.page, 1), [foxId]);
    await waitForDecodedVideo(cro.page, foxId, 60_000);
    await waitForAudioPackets(cro.page, foxId);
    await firefoxMediaFlows(fox, croId);
    t.diagnostic(`Firefox user agent: ${await fox.evaluate(() => navigator.userAgent)}`);

    // A mute shows at the other engine, both ways.
    await firefoxClick(fox, 'Mute microphone');
    await waitFor('Cro sees Fox muted', () => tileHasMark(cro.page, foxId, 'Microphone off'), { timeoutMs: 15_000 });
    await cro.page.getByRole('button', { name: 'Mute microphone', exact: true }).click();
    await waitFor('Fox sees Cro muted', () => fox.evaluate(tileHasMarkInPage, { id: croId, text: 'Microphone off' }), { timeoutMs: 15_000 });

    // Chromium's screen share reaches Firefox.
    await startShare(cro.page);
    await firefoxShareFrames(fox, croId);
    await cro.page.getByRole('button', { name: 'Stop sharing', exact: true }).first().click();

    // Firefox's screen share reaches Chromium, and Firefox tells its user there is no sound.
    await firefoxClick(fox, 'Share screen');
    await firefoxButton(fox, 'Stop sharing');
    await waitForShareFrames(cro.page, foxId);
    const note = await waitFor('Firefox: "shared without sound" notice', () =>
      fox.evaluate(() => document.querySelector('[data-testid="share-no-audio"]')?.textContent?.trim() || undefined),
    );
    t.diagnostic(`Firefox share notice: ${note}`);
    const shareAudio = await fox.evaluate(() => {
      type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
      const pcs = (window as unknown as { __meshmeet: Hook }).__meshmeet.peerConnections();
      return [...pcs.values()].flatMap((pc) => pc.getSenders()).filter((s) => s.track?.kind === 'audio').length;
    });
    t.diagnostic(`Firefox audio senders while sharing: ${shareAudio} (the microphone only)`);
    await firefoxClick(fox, 'Stop sharing');

    // A screen recording in Firefox: the UI says it has no sound, and the file still plays.
    await firefoxClick(fox, 'Record screen');
    const recNote = await waitFor('Firefox: "recording without sound" notice', () =>
      fox.evaluate(() => document.querySelector('[data-testid="recording-no-audio"]')?.textContent?.trim() || undefined),
    );
    t.diagnostic(`Firefox recording notice: ${recNote}`);
    await waitFor('Firefox stored 2 recording chunks', () =>
      fox.evaluate(() => Number(document.querySelector('[data-testid="recording-status"]')?.getAttribute('data-stored-chunks') ?? 0) >= 2),
    );
    await firefoxClick(fox, 'Stop recording');
    // As a person would: wait until the toolbar shows the recording finished. Until then the
    // recording controls change width (Finalizing…, then the Record buttons), the toolbar
    // shifts, and a click aimed at "Recordings" can land on its neighbour instead.
    await waitFor('the Firefox recording finished', () =>
      fox.evaluate(() => !document.querySelector('[data-testid="recording-status"]') && !document.querySelector('[role="alert"]')),
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}; page shows ${JSON.stringify(await recordingView(fox))}`);
    });
    const file = await firefoxDownloadNewest(fox, join(DOWNLOADS, 'firefox-screen.webm'));
    const probed = await probe(file);
    t.diagnostic(`Firefox screen recording: ${probed.compact.replace(/\n/g, ' | ')}`);
    assert.ok(probed.streams.some((s) => s.codec_type === 'video' && (s.width ?? 0) > 0), `a video stream: ${probed.compact}`);
    assert.ok(probed.duration > 0.5, `a seekable duration: ${probed.compact}`);

    // Leaving cleans up at the other side.
    await firefoxClick(fox, 'Leave');
    await waitForRemoteTiles(cro.page, 0, 15_000);
    await waitFor('Cro closed the connection to Fox', async () => !(await connectionIds(cro.page)).includes(foxId), { timeoutMs: 15_000 });
  });
});

/** Video frames and audio packets from `peerId` keep growing in the Firefox page. */
async function firefoxMediaFlows(page: FirefoxPage, peerId: string): Promise<void> {
  let first: PeerStats | undefined;
  let last: PeerStats | undefined;
  await waitFor(
    `Firefox decodes ${peerId}`,
    async () => {
      last = await page.evaluate(readPeerStatsInPage, peerId);
      if (!first || first.framesDecoded === 0 || first.audioPacketsReceived === 0) {
        first = last;
        return false;
      }
      const now = last;
      return now.framesDecoded > first.framesDecoded + 10 && now.audioPacketsReceived > first.audioPacketsReceived + 20;
    },
    { timeoutMs: 60_000, intervalMs: 1000 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; first ${JSON.stringify(first)}, last ${JSON.stringify(last)}`);
  });
}

/**
 * Downloads the newest recording from the Recordings panel and writes it to `path`. The
 * page's download goes through a blob URL; the blob is taken from `URL.createObjectURL`
 * as the page creates it (BiDi has no download event to save from).
 */
async function firefoxDownloadNewest(page: FirefoxPage, path: string): Promise<string> {
  if (!(await page.evaluate(() => Boolean(document.querySelector('[data-testid="recordings-panel"]'))))) {
    await firefoxClick(page, 'Recordings');
  }
  await waitFor('a recording in the Firefox panel', () => page.evaluate(() => Boolean(document.querySelector('[data-testid="recording-item"]')))).catch(
    async (err: Error) => {
      throw new Error(`${err.message}; page shows ${JSON.stringify(await recordingView(page))}`);
    },
  );
  await page.evaluate(() => {
    const w = window as unknown as { __lastBlob?: Blob };
    const create = URL.createObjectURL.bind(URL);
    URL.createObjectURL = (obj: Blob | MediaSource) => {
      if (obj instanceof Blob) w.__lastBlob = obj;
      return create(obj);
    };
  });
  await firefoxClick(page, 'Download');
  const base64 = await waitFor('the downloaded blob in Firefox', () =>
    page.evaluate(async () => {
      const blob = (window as unknown as { __lastBlob?: Blob }).__lastBlob;
      if (!blob) return undefined;
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(bin);
    }),
  );
  await writeFile(path, Buffer.from(base64, 'base64'));
  return path;
}

/**
 * What the page shows about recordings, to say where one is stuck: still finalizing,
 * refused with an error, or finished but not listed; and which side panel is open.
 */
function recordingView(page: FirefoxPage): Promise<Record<string, unknown>> {
  return page.evaluate(() => ({
    status: document.querySelector('[data-testid="recording-status"]')?.textContent?.trim() ?? 'none',
    alerts: [...document.querySelectorAll('[role="alert"]')].map((e) => e.textContent?.trim()),
    sidePanel: document.querySelector('aside.side-panel')?.getAttribute('aria-label') ?? 'none',
    panel: document.querySelector('[data-testid="recordings-panel"]')?.textContent?.trim().slice(0, 300) ?? 'no panel',
  }));
}

/** Firefox shows `peerId`'s share tile with frames arriving. */
async function firefoxShareFrames(page: FirefoxPage, peerId: string): Promise<void> {
  let prev = 0;
  let last: unknown;
  await waitFor(
    `Firefox shows ${peerId}'s screen`,
    async () => {
      const now = await page.evaluate(async (id: string) => {
        // Firefox counts no totalVideoFrames for MediaStream <video>s: read the share
        // track's own receiver stats instead.
        const v = document.querySelector<HTMLVideoElement>(`[data-testid="share-tile"][data-peer-id="${CSS.escape(id)}"] video`);
        const track = (v?.srcObject as MediaStream | null)?.getVideoTracks()[0];
        type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
        const pc = (window as unknown as { __meshmeet: Hook }).__meshmeet.peerConnections().get(id);
        const receiver = pc?.getReceivers().find((r) => r.track.id === track?.id);
        let frames = 0;
        (await receiver?.getStats())?.forEach((s: Record<string, unknown>) => {
          if (s.type === 'inbound-rtp') frames += Number(s.framesDecoded ?? 0);
        });
        return { width: v?.videoWidth ?? -1, frames, found: Boolean(receiver), signaling: pc?.signalingState };
      }, peerId);
      last = now;
      const ok = prev > 0 && now.width > 0 && now.frames > prev;
      prev = now.width > 0 ? now.frames : 0;
      return ok;
    },
    { timeoutMs: 45_000, intervalMs: 700 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last ${JSON.stringify(last)}`);
  });
}
