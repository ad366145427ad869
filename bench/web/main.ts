/**
 * Web client benchmark: join click → first decoded remote frame for a call of 2
 * and for the 4th joiner of a room of 4 (p50/p95/max over ≥ 20 trials each), and the
 * initial JavaScript size (gzip). Writes bench/results/web.json and prints a table.
 *
 * Run: `node --import tsx bench/web/main.ts [--trials N]` (needs `npm run build` first).
 * It must run in a loopback-only network namespace; when started outside one it re-runs
 * itself under `unshare -n` (root, or a system allowing user namespaces).
 */
import { spawnSync } from 'node:child_process';
import { networkInterfaces, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { formatTable, writeResult, type ResultRow } from '../lib/results.js';
import { launchBrowser, openParticipant, type Participant } from '@meshmeet/testkit/browser';
import { startServer } from '@meshmeet/testkit/services';
import { joinRoom, leaveRoom, setCaptureQuality, waitForDecodedVideo, waitForRemoteTiles } from '@meshmeet/testkit/call';
import { clickJoinAndTimeFirstFrame, percentileCountingFailures, waitForPreview } from './first-frame.js';
import { DEFAULT_DIST, initialJsSize } from './js-size.js';
import { bareWebRtcFloor, type FloorTimes } from './baseline.js';

/**
 * Capture quality of every page. All pages share one machine (2 cores here), so the
 * lightest setting keeps the figure about joining rather than about CPU starvation.
 */
const QUALITY = { resolution: '360p', fps: 15 } as const;
/** A trial with no remote frame this long after the click (or after creating the connections) failed. */
const TRIAL_TIMEOUT_MS = 10_000;

const log = (line: string) => process.stderr.write(`[bench:web] ${line}\n`);

/** Re-runs this script inside `unshare -n` unless the only interface is loopback. */
function ensureLoopbackNamespace(): void {
  const outside = Object.values(networkInterfaces())
    .flat()
    .some((i) => i && !i.internal);
  if (!outside) return;
  const self = fileURLToPath(import.meta.url);
  const root = process.getuid?.() === 0;
  log('not in a loopback-only namespace: re-running under unshare -n');
  const r = spawnSync(
    'unshare',
    [...(root ? [] : ['-r']), '-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, '--import', 'tsx', self, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(r.status ?? 1);
}

/** Result of one scenario: finished trials' times, and trials that never got there (counted as failures). */
interface ScenarioTimes {
  first: number[];
  all: number[];
  /** Trials with no remote frame at all within the trial timeout (or that broke). */
  failedFirst: number;
  /** Trials without a frame from every remote participant within the timeout (or that broke). */
  failedAll: number;
}

/**
 * `hosts` participants sit in a room; a joiner repeatedly loads the page, clicks Join,
 * is timed to its first decoded remote frame, and leaves again.
 */
async function runScenario(browser: Browser, base: string, hosts: number, trials: number, warmup: number): Promise<ScenarioTimes> {
  const room = `bench-${hosts + 1}-${Date.now().toString(36)}`;
  const people: Participant[] = [];
  try {
    for (let i = 0; i < hosts; i++) {
      const p = await openParticipant(browser, `${base}/?debug=1`, `host${i + 1}`);
      people.push(p);
      await setCaptureQuality(p.page, QUALITY.resolution, QUALITY.fps);
      await joinRoom(p.page, { room, nick: p.name });
    }
    // A steady room: everyone sees everyone before the first trial.
    for (const p of people) {
      const ids = await waitForRemoteTiles(p.page, hosts - 1);
      for (const id of ids) await waitForDecodedVideo(p.page, id);
    }
    const joiner = await openParticipant(browser, `${base}/?debug=1`, 'joiner');
    people.push(joiner);
    await setCaptureQuality(joiner.page, QUALITY.resolution, QUALITY.fps); // remembered across reloads
    const out: ScenarioTimes = { first: [], all: [], failedFirst: 0, failedAll: 0 };
    for (let t = 0; t < warmup + trials; t++) {
      const page: Page = joiner.page;
      const counted = t >= warmup;
      try {
        await page.goto(`${base}/?debug=1&room=${encodeURIComponent(room)}`, { waitUntil: 'load' });
        await page.getByLabel('Name', { exact: true }).fill('joiner');
        await page.getByLabel('Room', { exact: true }).fill(room);
        await waitForPreview(page);
        // A person spends seconds in the lobby; the app prefetches the call code while idle.
        // Start the clock only once that is done (no request for 500 ms), as for a person.
        await page.waitForLoadState('networkidle', { timeout: 15_000 }).catch(() => undefined);
        if (t === 0) {
          const size = await page.evaluate(() => [...document.querySelectorAll('video')].map((v) => `${v.videoWidth}x${v.videoHeight}`).join(','));
          log(`joiner preview ${size}`);
        }
        const timing = await clickJoinAndTimeFirstFrame(page, hosts, TRIAL_TIMEOUT_MS);
        if (counted) {
          if (timing.first !== null) out.first.push(timing.first);
          else out.failedFirst++;
          if (timing.all !== null) out.all.push(timing.all);
          else out.failedAll++;
        }
        log(`${hosts + 1}p trial ${t + 1 - warmup}${counted ? '' : ' (warm-up)'}: first ${timing.first?.toFixed(0)} ms, all ${timing.all?.toFixed(0)} ms`);
        // Leave cleanly and let the hosts drop the joiner before the next trial.
        await leaveRoom(page);
      } catch (err) {
        // A trial that breaks counts as a miss, and the run goes on from a fresh page.
        if (counted) {
          out.failedFirst++;
          out.failedAll++;
        }
        log(`${hosts + 1}p trial ${t + 1 - warmup} failed: ${(err as Error).message.split('\n')[0]}`);
        await leaveRoom(page).catch(() => undefined);
      }
      // The hosts must have dropped the joiner before the next trial; a joiner that only
      // disconnected is kept for the server's resume grace (10 s by default).
      await waitForRemoteTiles(people[0]!.page, hosts - 1, 40_000).catch((err: Error) => log(`hosts still see the joiner: ${err.message}`));
      await new Promise((r) => setTimeout(r, 300));
    }
    return out;
  } finally {
    await Promise.all(people.map((p) => p.context.close().catch(() => undefined)));
  }
}

/** A figure for the table: a trial that timed out ranks last, shown as "timed out" rather than a number. */
function shown(ms: number | null): number | string | null {
  return ms === Infinity ? `> ${TRIAL_TIMEOUT_MS} (timed out)` : ms;
}

/** Rows for one scenario's timings; timed-out trials count in every figure (see percentileCountingFailures). */
function timingRows(label: string, times: ScenarioTimes, trials: number, withTargets: boolean): ResultRow[] {
  const p50 = percentileCountingFailures(times.first, times.failedFirst, 50);
  const p95 = percentileCountingFailures(times.first, times.failedFirst, 95);
  const max = percentileCountingFailures(times.first, times.failedFirst, 100);
  const target = (t: string, ok: boolean): Pick<ResultRow, 'target' | 'pass'> => (withTargets ? { target: t, pass: ok } : {});
  const rows: ResultRow[] = [
    { metric: `${label}: join → first remote frame p50`, value: shown(p50), unit: 'ms', ...target('<= 150', p50 !== null && p50 <= 150) },
    { metric: `${label}: join → first remote frame p95`, value: shown(p95), unit: 'ms', ...target('<= 300', p95 !== null && p95 <= 300) },
    {
      metric: `${label}: join → first remote frame max`,
      value: shown(max),
      unit: 'ms',
      ...target('<= 1000', max !== null && max <= 1000),
      ...(times.failedFirst ? { note: `${times.failedFirst} of ${trials} trials saw no frame within ${TRIAL_TIMEOUT_MS / 1000} s: counted as failures` } : {}),
    },
  ];
  if (!withTargets) {
    rows.push({ metric: `${label}: join → frames from all p50`, value: shown(percentileCountingFailures(times.all, times.failedAll, 50)), unit: 'ms' });
    rows.push({ metric: `${label}: join → frames from all p95`, value: shown(percentileCountingFailures(times.all, times.failedAll, 95)), unit: 'ms' });
  }
  rows.push({ metric: `${label}: trials`, value: trials, unit: 'count' });
  return rows;
}

async function main(): Promise<void> {
  ensureLoopbackNamespace();
  const args = process.argv.slice(2);
  const trialsArg = args.indexOf('--trials');
  // --quick (the orchestrator's smoke run): a handful of trials, flagged in the notes.
  const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
  const trials = trialsArg >= 0 ? Number(args[trialsArg + 1]) : Number(process.env.BENCH_WEB_TRIALS ?? (quick ? 5 : 20));
  const warmup = quick ? 1 : 2;
  const started = Date.now();
  const loadAtStart = loadavg()[0]!;

  const size = initialJsSize(DEFAULT_DIST);
  const kb = (b: number) => Math.round((b / 1024) * 10) / 10;
  log(`initial JS: ${size.chunks.map((c) => `${c.file} ${kb(c.gzipBytes)} KB`).join(', ')}`);

  const server = await startServer();
  const browser = await launchBrowser();
  // A scenario that cannot even set up its room (e.g. a starved machine) still leaves
  // the other's figures: its rows come out empty with the reason.
  const failures: string[] = [];
  const scenario = async (hosts: number): Promise<ScenarioTimes> => {
    try {
      return await runScenario(browser, server.url, hosts, trials, warmup);
    } catch (err) {
      const why = (err as Error).message.split('\n')[0]!;
      log(`${hosts + 1}-participant scenario failed: ${why}`);
      failures.push(`${hosts + 1}-participant scenario aborted: ${why}`);
      return { first: [], all: [], failedFirst: trials, failedAll: trials };
    }
  };
  let two: ScenarioTimes;
  let four: ScenarioTimes;
  let floor: FloorTimes = { times: [], failures: trials };
  try {
    two = await scenario(1);
    four = await scenario(3);
    const size = { width: 640, height: 360, fps: QUALITY.fps };
    floor = await bareWebRtcFloor(browser, `${server.url}/healthz`, trials, size, TRIAL_TIMEOUT_MS).catch((err: Error) => {
      failures.push(`WebRTC floor control failed: ${err.message.split('\n')[0]}`);
      return { times: [], failures: trials };
    });
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
  const rows: ResultRow[] = [
    ...timingRows('2 participants', two, trials, true),
    ...timingRows('4th joiner of 4', four, trials, false),
    // Control (no target): the floor, two connections in one page, no app and no signaling.
    { metric: 'control, WebRTC floor (one page, in-page trickle) → first frame p50', value: shown(percentileCountingFailures(floor.times, floor.failures, 50)), unit: 'ms' },
    {
      metric: 'control, WebRTC floor (one page, in-page trickle) → first frame p95',
      value: shown(percentileCountingFailures(floor.times, floor.failures, 95)),
      unit: 'ms',
      ...(floor.failures
        ? { note: `${floor.failures} of ${trials} trials failed (${floor.firstError ?? `no frame within ${TRIAL_TIMEOUT_MS / 1000} s`}): counted as failures` }
        : {}),
    },
    {
      metric: 'initial JS (gzip)',
      value: kb(size.totalGzipBytes),
      unit: 'KB',
      target: '<= 60',
      pass: size.totalGzipBytes <= 60 * 1024,
      note: `${size.chunks.length} chunks: entry + static imports; ${kb(size.totalBytes)} KB raw; CSS ${kb(size.cssGzipBytes)} KB gzip (not counted)`,
    },
  ];
  const path = writeResult({
    name: 'web',
    rows,
    notes: [
      'Timed in the joining page: performance.now() at the Join click → first remote <video> frame (rVFC/loadeddata/videoWidth>0).',
      `Headless Chromium, fake camera captured at ${QUALITY.resolution} ${QUALITY.fps} fps (set in the lobby) + fake mic, loopback-only namespace, in-memory room store; the joiner page is reloaded per trial (clock starts once the lobby is network-idle) and the first ${warmup} (warm-up) trials are dropped.`,
      'Control rows (the floor): two RTCPeerConnections in one page exchanging descriptions and trickled candidates by direct calls (no app, no server, no driver round trip, no wait for ICE gathering), same browser, fake camera and capture size, timed in the page from creating the connections to the first decoded frame.',
      `Trials with no frame within ${TRIAL_TIMEOUT_MS / 1000} s count as failures: they rank last in every percentile (shown as "timed out" when a percentile lands on one), never dropped.`,
      'The 4-participant run has no target; shown for information (one Chromium runs all 4 pages on the shared cores).',
      `1-minute load average at start ${loadAtStart.toFixed(1)}, at end ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores: timings above a few hundred ms usually mean a busy machine.`,
      ...failures,
      ...(trials < 20 ? [`Only ${trials} trials per scenario (the targets ask for >= 20): a smoke run, not a measurement.`] : []),
    ],
    meta: { cores: cpus().length, node: process.version, trials, warmup, quick, loadAverage: loadavg(), durationS: Math.round((Date.now() - started) / 1000), chunks: size.chunks },
  });
  console.log(formatTable([{ name: 'web', rows }]));
  log(`wrote ${path}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
