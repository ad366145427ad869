/**
 * Helpers of the recording journeys: driving the recording UI by its names, saving a
 * download, and checking files with ffprobe/ffmpeg the way a user's player would.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { waitFor } from './support/processes.js';
import { joinRoom } from './support/call.js';

const run = promisify(execFile);

/**
 * The bound on every wait for the recording UI (a button, the status, the panel, a
 * download). These are condition waits, polled until the thing shows; the bound only
 * decides when to give up. The machine running the suite is shared by several browsers,
 * where starting a recorder or opening a page can take far longer than on a desk.
 */
export const UI_TIMEOUT_MS = 60_000;

/** The first bytes of every WebM (the EBML header's ID). */
export const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

/** The first `n` bytes of a file. */
export async function fileHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** A temp dir for downloaded recordings (left for inspection; the OS cleans /tmp). */
export const DOWNLOADS = mkdtempSync(join(tmpdir(), 'meshmeet-rec-e2e-'));

/** What ffprobe says about a file. */
export interface ProbeResult {
  /** format duration in seconds; NaN when ffprobe prints N/A. */
  duration: number;
  streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number }>;
  /** The compact line the issue asks for, for the report. */
  compact: string;
}

/** ffprobe a file (duration + streams). */
export async function probe(path: string): Promise<ProbeResult> {
  const { stdout } = await run('ffprobe', [
    '-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name,width,height', '-of', 'json', path,
  ]);
  const json = JSON.parse(stdout) as { format?: { duration?: string }; streams?: ProbeResult['streams'] };
  const compact = (
    await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name,width,height', '-of', 'compact', path])
  ).stdout.trim();
  return { duration: Number(json.format?.duration ?? NaN), streams: json.streams ?? [], compact };
}

/**
 * Decode every frame (`ffmpeg -v error -i f -f null -`); returns the decoding errors
 * ('' = decodes cleanly; a non-zero exit throws). Lines from the *null muxer* about
 * "non monotonically increasing dts" are left out: ffmpeg prints them when two frames
 * of a variable-frame-rate input land on one tick of the output's guessed frame rate;
 * they concern writing to /dev/null, not decoding the file.
 */
export async function decodeErrors(path: string): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-'], { maxBuffer: 10_000_000 });
  // ffmpeg folds repeats into "Last message repeated N times": that line belongs to the
  // line before it, so it goes when that one goes.
  const kept: string[] = [];
  let droppedPrevious = false;
  for (const l of stderr.split('\n')) {
    if (!l.trim()) continue;
    const drop: boolean = /non monotonically increasing dts to muxer/.test(l) || (droppedPrevious && /^\s*Last message repeated \d+ times/.test(l));
    if (!drop) kept.push(l);
    droppedPrevious = drop;
  }
  return kept.join('\n');
}

/** Mean volume (dB) of the audio stream, to tell real mixed audio from silence. */
export async function meanVolume(path: string): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-i', path, '-map', '0:a:0', '-af', 'volumedetect', '-f', 'null', '-'], {
    maxBuffer: 10_000_000,
  });
  const m = /mean_volume:\s*(-?[\d.]+|-inf) dB/.exec(stderr);
  return m ? Number(m[1] === '-inf' ? -Infinity : m[1]) : -Infinity;
}

/**
 * Observe the page's capture and recorder calls (they keep working unchanged):
 * every display stream it captures (so a test can end its track), and when each
 * MediaRecorder's start() and stop() were called — the recorded time as the browser
 * saw it, to compare with the file's duration. Takes effect on the next navigation.
 */
export async function instrumentRecordingApis(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const times: Array<{ start: number; stop?: number }> = [];
    (window as unknown as { __recorderTimes: typeof times }).__recorderTimes = times;
    const proto = MediaRecorder.prototype;
    const start = proto.start;
    const stop = proto.stop;
    const slot = new WeakMap<MediaRecorder, { start: number; stop?: number }>();
    proto.start = function (this: MediaRecorder, timeslice?: number) {
      const t = { start: performance.now() };
      times.push(t);
      slot.set(this, t);
      return start.call(this, timeslice);
    };
    proto.stop = function (this: MediaRecorder) {
      const t = slot.get(this);
      if (t && t.stop === undefined) t.stop = performance.now();
      return stop.call(this);
    };
    const md = navigator.mediaDevices;
    if (!md?.getDisplayMedia) return;
    const original = md.getDisplayMedia.bind(md);
    const seen: MediaStream[] = [];
    (window as unknown as { __displayStreams: MediaStream[] }).__displayStreams = seen;
    md.getDisplayMedia = async (options?: DisplayMediaStreamOptions) => {
      const s = await original(options);
      seen.push(s);
      return s;
    };
  });
}

/** Seconds between start() and stop() of the page's most recent MediaRecorder. */
export async function lastRecorderSeconds(page: Page): Promise<number> {
  return page.evaluate(() => {
    const list = (window as unknown as { __recorderTimes?: Array<{ start: number; stop?: number }> }).__recorderTimes ?? [];
    const t = list[list.length - 1];
    if (!t || t.stop === undefined) throw new Error('no finished recorder seen');
    return (t.stop - t.start) / 1000;
  });
}

/**
 * "The user stopped sharing": per spec `track.stop()` fires no `ended`, so the test
 * dispatches the event the browser would (TESTING.md, Screen capture).
 */
export async function endLastDisplayCapture(page: Page): Promise<void> {
  await page.evaluate(() => {
    const list = (window as unknown as { __displayStreams?: MediaStream[] }).__displayStreams ?? [];
    const track = list[list.length - 1]?.getVideoTracks()[0];
    if (!track) throw new Error('no display capture to end');
    track.dispatchEvent(new Event('ended'));
  });
}

/**
 * Join a room, waiting generously for the lobby first: CI shares two cores between
 * several Chromium pages, and a page load can take longer than the default 20 s wait.
 */
export async function joinWhenReady(page: Page, opts: { room: string; nick: string }): Promise<void> {
  await page.getByLabel('Room', { exact: true }).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  await joinRoom(page, opts);
}

/** Click a button by its exact accessible name. */
export async function clickButton(page: Page, name: string, timeout = UI_TIMEOUT_MS): Promise<void> {
  await page.getByRole('button', { name, exact: true }).first().click({ timeout });
}

/** Wait until a button with that exact name is visible. */
export async function waitButton(page: Page, name: string, timeout = UI_TIMEOUT_MS): Promise<void> {
  await page.getByRole('button', { name, exact: true }).first().waitFor({ state: 'visible', timeout });
}

/** Start a screen recording; resolves when the recorder is running (status shown). */
export async function startScreenRecording(page: Page): Promise<number> {
  await clickButton(page, 'Record screen');
  await page.getByTestId('recording-status').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  await waitButton(page, 'Stop recording');
  return Date.now();
}

/** Stop the recording and wait until it is saved (the Record buttons come back). */
export async function stopRecording(page: Page): Promise<number> {
  const at = Date.now();
  await clickButton(page, 'Stop recording');
  await waitButton(page, 'Record screen');
  return at;
}

/** Open the recordings panel (the call view's "Recordings" control) if it is not open. */
export async function openRecordingsPanel(page: Page): Promise<void> {
  const panel = page.getByTestId('recordings-panel');
  if (!(await panel.isVisible().catch(() => false))) {
    await page.getByRole('button', { name: 'Recordings', exact: true }).first().click();
  }
  await panel.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
}

/** Number of finished recordings listed in the panel. */
export async function recordingCount(page: Page): Promise<number> {
  return page.getByTestId('recording-item').count();
}

/**
 * Download the newest recording (first in the panel) through its "Download" control and
 * save it; returns the saved path and the file name the page suggested.
 */
export async function downloadNewest(page: Page, expectCount: number, label: string): Promise<{ path: string; suggested: string }> {
  await openRecordingsPanel(page);
  await waitFor(`${expectCount} recording(s) in the panel`, async () => (await recordingCount(page)) >= expectCount, {
    timeoutMs: UI_TIMEOUT_MS,
  });
  const item = page.getByTestId('recording-item').first();
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: UI_TIMEOUT_MS }),
    item.getByRole('button', { name: 'Download', exact: true }).click({ timeout: UI_TIMEOUT_MS }),
  ]);
  const suggested = download.suggestedFilename();
  const path = join(DOWNLOADS, `${label}-${suggested}`);
  await download.saveAs(path);
  return { path, suggested };
}

/** Wait until the app reports at least `n` chunks stored for the running recording; returns the count seen. */
export async function waitForStoredChunks(page: Page, n: number): Promise<number> {
  return waitFor(
    `${n} recording chunks stored`,
    async () => {
      const v = Number(await page.getByTestId('recording-status').getAttribute('data-stored-chunks', { timeout: 5000 }));
      return v >= n ? v : false;
    },
    { timeoutMs: UI_TIMEOUT_MS },
  );
}
