/**
 * Crash-safe recording under stress: a screen recording interrupted by a reload at 20
 * different moments (0.3 s to 10 s after the recorder started, many of them between two
 * chunk writes), by a renderer crash (CDP `Page.crash`) and by a killed browser process
 * (recovered by a new browser on the same profile). After each, the recovery prompt in
 * the lobby either offers the recording — and the recovered file starts with a WebM
 * header, decodes with ffmpeg, and keeps all but at most 1.5 s of the media the
 * recorder had delivered before the interruption — or says nothing playable was saved,
 * which is only acceptable when the recorder had delivered less than 1.5 s of media.
 *
 * A real on-disk profile (launchPersistentContext): off-the-record contexts keep OPFS
 * in memory, which neither survives a browser process nor behaves like disk.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, FAKE_DEVICE_ARG, chromiumExecutable } from './support/browser.js';
import { startServer, type ServerHandle } from './support/services.js';
import { uniqueRoom } from './support/fixture.js';
import { leaveRoom } from './support/call.js';
import { waitFor } from './support/processes.js';
import {
  DOWNLOADS,
  EBML_MAGIC,
  UI_TIMEOUT_MS,
  decodeErrors,
  fileHead,
  joinWhenReady,
  probe,
  startScreenRecording,
  waitForStoredChunks,
} from './recording-support.js';
import { deliveredMediaSeconds, recordDeliveredChunks, type DeliveredLog } from './recording-delivered.js';

/** Seconds after MediaRecorder.start() at which each reload happens (sum ≈ 70 s). */
const RELOAD_AT_S = [0.3, 0.5, 0.8, 1.1, 1.5, 1.7, 2.0, 2.4, 2.6, 3.0, 3.5, 3.9, 4.2, 4.7, 5.5, 6.2, 6.6, 7.5, 8.4, 10];
/** Media the product may lose at an interruption: the chunk being written, at most. */
const MAX_LOSS_S = 1.5;

interface Outcome {
  label: string;
  deliveredS: number;
  recoveredS: number | null;
}

/** An interruption: when it happened and how many chunks the page had stored by then. */
interface Interruption {
  at: number;
  storedChunks: number;
}

/** Chunks the app reports as stored (`data-stored-chunks` of the recording status). */
async function storedChunks(page: Page): Promise<number> {
  return Number((await page.getByTestId('recording-status').getAttribute('data-stored-chunks')) ?? 0);
}

describe('recording recovery under stress', { timeout: 900_000 }, () => {
  let server: ServerHandle;
  let profile: string;
  let context: BrowserContext;
  let delivered: DeliveredLog | null = null;
  const outcomes: Outcome[] = [];

  async function launch(): Promise<void> {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumExecutable(),
      headless: true,
      args: [...CHROMIUM_ARGS, FAKE_DEVICE_ARG],
      viewport: { width: 1024, height: 700 },
      locale: 'en-US',
      acceptDownloads: true,
      timeout: 60_000,
    });
    await context.grantPermissions(['camera', 'microphone'], { origin: server.url });
    await context.addInitScript({ content: 'globalThis.__name ??= (fn) => fn;' });
    if (delivered) await delivered.watch(context);
    else delivered = await recordDeliveredChunks(context);
  }

  async function openPage(): Promise<Page> {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${server.url}/`, { waitUntil: 'domcontentloaded', timeout: UI_TIMEOUT_MS });
    return page;
  }

  /** Join a fresh room, start a screen recording, and return when MediaRecorder started. */
  async function recordInCall(page: Page): Promise<number> {
    const before = delivered!.recorders.length;
    await joinWhenReady(page, { room: uniqueRoom('stress'), nick: 'Stress' });
    await startScreenRecording(page);
    return (await delivered!.next(before)).startedAt;
  }

  /**
   * After an interruption at `stop.at`: the lobby's prompt must offer the recording
   * (then recover, download and check it) or say nothing playable was saved.
   */
  async function recoverInLobby(page: Page, stop: Interruption, label: string): Promise<void> {
    const rec = delivered!.last();
    const deliveredS = await deliveredMediaSeconds(rec, { until: stop.at }, label);
    // Every chunk the app had acknowledged as stored must be in the file.
    const storedS = await deliveredMediaSeconds(rec, { chunks: stop.storedChunks }, `${label}-stored`);
    const row = page.getByTestId('recording-recovery').first();
    await waitFor(`${label}: the recovery prompt`, async () => ['offer', 'nothing'].includes((await row.getAttribute('data-state', { timeout: 1000 }).catch(() => null)) ?? ''), {
      timeoutMs: UI_TIMEOUT_MS,
    });
    assert.equal(await page.getByTestId('recording-recovery').count(), 1, `${label}: one interrupted recording`);
    const state = await row.getAttribute('data-state');
    if (state === 'nothing') {
      // The prompt says so; acceptable only when the recorder had not delivered enough to keep.
      assert.ok(deliveredS < MAX_LOSS_S, `${label}: "nothing saved" although ${deliveredS.toFixed(2)} s were delivered`);
      assert.equal(storedS, 0, `${label}: "nothing saved" although ${stop.storedChunks} stored chunks hold ${storedS} s`);
      await row.getByRole('button', { name: 'Dismiss', exact: true }).click();
      await row.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
      outcomes.push({ label, deliveredS, recoveredS: null });
      console.log(`# ${label}: nothing playable saved (recorder had delivered ${deliveredS.toFixed(2)} s)`);
      return;
    }
    await row.getByRole('button', { name: 'Recover recording', exact: true }).click();
    const downloadButton = row.getByRole('button', { name: 'Download recording', exact: true });
    await downloadButton.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: UI_TIMEOUT_MS }), downloadButton.click()]);
    const path = join(DOWNLOADS, `${label}-${download.suggestedFilename()}`);
    await download.saveAs(path);
    await row.getByRole('button', { name: 'Close', exact: true }).click();

    assert.deepEqual(await fileHead(path, 4), EBML_MAGIC, `${label}: the file starts with the EBML header`);
    const p = await probe(path);
    assert.equal(await decodeErrors(path), '', `${label}: decodes without errors`);
    assert.ok(Number.isFinite(p.duration), `${label}: has a duration (${p.compact})`);
    assert.ok(p.streams.some((s) => s.codec_type === 'video' && (s.width ?? 0) > 0), `${label}: has video`);
    outcomes.push({ label, deliveredS, recoveredS: p.duration });
    console.log(
      `# ${label}: recorder delivered ${deliveredS.toFixed(2)} s, app had stored ${stop.storedChunks} chunks (${storedS.toFixed(2)} s) → recovered ${p.duration.toFixed(2)} s`,
    );
    // 0.1 s: the last stored chunk may end inside a frame, which finalizing cuts off.
    assert.ok(p.duration >= storedS - 0.1, `${label}: recovered ${p.duration} s, but the stored chunks hold ${storedS.toFixed(2)} s`);
    assert.ok(
      p.duration >= deliveredS - MAX_LOSS_S,
      `${label}: recovered ${p.duration} s of the ${deliveredS.toFixed(2)} s the recorder delivered`,
    );
  }

  before(async () => {
    server = await startServer();
    profile = mkdtempSync(join(tmpdir(), 'meshmeet-rec-profile-'));
    await launch();
  });
  after(async () => {
    await context?.close().catch(() => undefined);
    await server?.stop();
    const summary = outcomes.map((o) => `${o.label}:${o.deliveredS.toFixed(1)}→${o.recoveredS === null ? 'none' : o.recoveredS.toFixed(1)}`);
    console.log(`# recovery outcomes (delivered s → recovered s): ${summary.join(' ')}`);
  });

  test(`${RELOAD_AT_S.length} reloads at 0.3–10 s into a recording: each is recovered in the lobby or reported empty`, async () => {
    const page = await openPage();
    for (const [i, at] of RELOAD_AT_S.entries()) {
      const startedAt = await recordInCall(page);
      // The interruption moment is this test's input, not a wait for a condition.
      await new Promise((r) => setTimeout(r, Math.max(0, startedAt + at * 1000 - Date.now())));
      const stop = { storedChunks: await storedChunks(page), at: Date.now() };
      await page.reload({ waitUntil: 'domcontentloaded', timeout: UI_TIMEOUT_MS });
      await recoverInLobby(page, stop, `reload${i + 1}@${at}s`);
    }
    // How many had something to recover depends on how fast this machine's encoder
    // delivered its first frames; each cycle above was judged against what it delivered.
    const recovered = outcomes.filter((o) => o.recoveredS !== null).length;
    console.log(`# ${recovered} of ${RELOAD_AT_S.length} reloads had a playable recording to recover`);
  });

  test('a renderer crash (CDP Page.crash) mid-recording is recovered in the lobby of a new page', async () => {
    const page = await openPage();
    await recordInCall(page);
    // Crash once something is stored, so this case always has a file to recover.
    await waitForStoredChunks(page, 3);
    const cdp = await context.newCDPSession(page);
    const stop = { storedChunks: await storedChunks(page), at: Date.now() };
    const crashed = page.waitForEvent('crash', { timeout: UI_TIMEOUT_MS });
    void cdp.send('Page.crash').catch(() => undefined); // never answers: the renderer is gone
    await crashed;
    await page.close().catch(() => undefined);
    const fresh = await context.newPage();
    await fresh.goto(`${server.url}/`, { waitUntil: 'domcontentloaded', timeout: UI_TIMEOUT_MS });
    await recoverInLobby(fresh, stop, 'renderer-crash');
  });

  test('a killed browser process mid-recording is recovered by a new browser on the same profile', async () => {
    const page = await openPage();
    await recordInCall(page);
    await waitForStoredChunks(page, 4);
    const pid = browserPid(profile);
    const stop = { storedChunks: await storedChunks(page), at: Date.now() };
    process.kill(pid, 'SIGKILL');
    await waitFor('the killed browser to exit', () => !alive(pid), { timeoutMs: UI_TIMEOUT_MS });
    await context.close().catch(() => undefined);
    await launch();
    const fresh = await openPage();
    await recoverInLobby(fresh, stop, 'browser-killed');
    await leaveRoom(fresh).catch(() => undefined);
  });
});

/** The main Chromium process using `profile` (the one without `--type=`): we launched it. */
function browserPid(profile: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmd: string[];
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (cmd.includes(`--user-data-dir=${profile}`) && !cmd.some((a) => a.startsWith('--type='))) return Number(entry);
  }
  throw new Error(`no browser process found for profile ${profile}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat); // a zombie has exited
  } catch {
    return false;
  }
}
