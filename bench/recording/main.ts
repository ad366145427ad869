/**
 * Recording benchmark: memory growth and added CPU of a long recording with
 * chunks stored in OPFS (the app's way), against holding the chunks in memory.
 *
 * Not accelerated, on purpose: a first version pushed the same bytes faster (16 Mbit/s
 * for 2 min) and showed why that is not equivalent. Chromium keeps every MediaRecorder
 * Blob's bytes in the browser process until the page's garbage collector drops the Blob
 * object, even when the page discards the chunk at once; V8 collects those small
 * objects only every few tens of seconds, so the saw-tooth height grows with the bitrate,
 * not with the length. So four browsers run side by side for the real length (10 min
 * full, 1 min with --quick) at the app's meeting bitrate (2.5 Mbit/s) on an
 * incompressible noise canvas (so the encoder really produces that much):
 *   baseline  draws the canvas, no recorder          → CPU reference
 *   discard   records and drops every chunk          → the floor any recorder pays
 *   opfs      records into the app's OPFS store      → the app
 *   memory    records into an in-memory Blob array   → the naive way
 * plus (full run only) discard/opfs/memory again with a garbage collection forced every
 * 10 s (`--expose-gc`, a diagnostic the app cannot do), to separate what the storage
 * design holds from what waits for the collector; then finalizes (seekable) the OPFS
 * recording while watching memory.
 *
 * Each browser runs a persistent (on-disk) profile like a real user's: in Playwright's
 * default off-the-record contexts Chromium keeps OPFS in RAM, which would make the
 * OPFS variant look like the in-memory one.
 *
 * Memory is each browser's whole process tree (PSS; Blob bytes live in the browser
 * process, not in the page's JS heap), plus the page's JS heap from CDP
 * `Performance.getMetrics`. Growth = median of the last quarter of samples minus the
 * median of the first quarter after warm-up (medians, because of the GC saw-tooth).
 *
 * Run: `node --import tsx bench/recording/main.ts [--quick] [--seconds N] [--mbps N]`
 * Writes bench/results/recording.json and prints a table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { formatTable, writeResult, type ResultRow } from '../lib/results.js';
import { chromiumChildren, memoryByType, sampleTree, type TreeSample } from './proc-stats.js';
import { serveDir } from './serve.js';

const log = (line: string) => process.stderr.write(`[bench:recording] ${line}\n`);
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    seconds: { type: 'string' },
    mbps: { type: 'string', default: '2.5' },
  },
});
const QUICK = args.quick ?? false;
const SECONDS = Number(args.seconds ?? (QUICK ? 60 : 600));
const BITRATE = Number(args.mbps) * 1e6;
const FPS = 30;
const WARMUP_S = Math.min(20, Math.floor(SECONDS / 6));
const SAMPLE_MS = 2000;
const TARGET_MB = 50;
const MODES = ['baseline', 'discard', 'opfs', 'memory'] as const;
type Mode = (typeof MODES)[number];
/** Diagnostic runs with a collection forced every 10 s (see the module comment). */
const GC_MODES: Mode[] = QUICK ? [] : ['discard', 'opfs', 'memory'];
const GC_EVERY_MS = 10_000;

interface Runner {
  mode: Mode;
  forcedGc: boolean;
  browser: BrowserContext;
  profile: string;
  pid: number;
  page: Page;
  cdp: CDPSession;
  samples: Array<TreeSample & { heap: number }>;
}

/** Build the bench page (which imports the app's recording modules) with Vite. */
async function buildPage(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'meshmeet-recbench-'));
  await build({ root: resolve(import.meta.dirname, 'page'), logLevel: 'warn', build: { outDir: out, emptyOutDir: true, target: 'es2022' } });
  return out;
}

async function launch(mode: Mode, url: string, forcedGc = false): Promise<Runner> {
  const before = new Set(chromiumChildren(process.pid));
  // A persistent profile, as a real user has: Playwright's ordinary contexts are
  // off-the-record, where Chromium keeps OPFS in memory (measured: the OPFS variant
  // then grew by every byte written, with or without garbage collection).
  const profile = mkdtempSync(join(tmpdir(), 'meshmeet-recbench-profile-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-background-timer-throttling', '--disable-renderer-backgrounding', ...(forcedGc ? ['--js-flags=--expose-gc'] : [])],
  });
  const pid = chromiumChildren(process.pid).find((p) => !before.has(p));
  if (!pid) throw new Error('could not find the browser process');
  const page = browser.pages()[0] ?? (await browser.newPage());
  const cdp = await browser.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(url);
  await page.waitForFunction(() => document.title === 'ready');
  return { mode, forcedGc, browser, profile, pid, page, cdp, samples: [] };
}

async function heapUsed(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2 : NaN;
};
const mb = (b: number) => b / 1e6;

/** Growth between the first and last quarter after warm-up (medians), and the peak. */
function growth(r: Runner, pick: (s: Runner['samples'][number]) => number): { growth: number; peak: number } {
  const t0 = r.samples[0]?.at ?? 0;
  const steady = r.samples.filter((s) => s.at - t0 >= WARMUP_S * 1000);
  const q = Math.max(1, Math.floor(steady.length / 4));
  const first = median(steady.slice(0, q).map(pick));
  const last = median(steady.slice(-q).map(pick));
  return { growth: last - first, peak: Math.max(...steady.map(pick)) - first };
}

function cpuCores(r: Runner): number {
  const t0 = r.samples[0]?.at ?? 0;
  const steady = r.samples.filter((s) => s.at - t0 >= WARMUP_S * 1000);
  const a = steady[0];
  const b = steady[steady.length - 1];
  return a && b && b.at > a.at ? (b.cpuS - a.cpuS) / ((b.at - a.at) / 1000) : NaN;
}

async function main(): Promise<void> {
  log(`${SECONDS} s, ${MODES.join(' / ')} side by side, ${BITRATE / 1e6} Mbit/s, noise 640x360@${FPS}`);
  const dist = await buildPage();
  const { url, close } = await serveDir(dist);
  const runners: Runner[] = [];
  const rows: ResultRow[] = [];
  const recorded = new Map<string, { bytes: number; elapsedMs: number }>();
  let finalize: { ms: number; durationMs: number | null; bytes: number; seekable: boolean; peakGrowthMB: number } | null = null;
  try {
    for (const mode of MODES) runners.push(await launch(mode, url));
    for (const mode of GC_MODES) runners.push(await launch(mode, url, true));
    await Promise.all(
      runners.map((r) =>
        r.mode === 'baseline'
          ? r.page.evaluate((fps) => (window as any).recBench.source(fps), FPS)
          : r.page.evaluate(([m, fps, br]) => (window as any).recBench.record(m, fps, br), [r.mode, FPS, BITRATE] as const),
      ),
    );
    const start = Date.now();
    let nextLog = start;
    let nextGc = start + GC_EVERY_MS;
    while (Date.now() - start < SECONDS * 1000) {
      await new Promise((res) => setTimeout(res, SAMPLE_MS));
      if (Date.now() >= nextGc) {
        nextGc += GC_EVERY_MS;
        await Promise.all(runners.filter((r) => r.forcedGc).map((r) => r.page.evaluate(() => (window as any).gc())));
      }
      for (const r of runners) r.samples.push({ ...sampleTree(r.pid), heap: await heapUsed(r.cdp) });
      if (Date.now() >= nextLog) {
        nextLog += 60_000;
        log(`${Math.round((Date.now() - start) / 1000)} s: ${runners.map((r) => `${r.mode}${r.forcedGc ? '+gc' : ''} ${mb(r.samples.at(-1)!.memBytes).toFixed(0)} MB`).join(', ')}`);
        if (process.env.BENCH_VERBOSE) for (const r of runners) log(`  ${r.mode} ${JSON.stringify(memoryByType(r.pid))}`);
      }
    }
    for (const r of runners) {
      const rec = await r.page.evaluate(() => (window as any).recBench.stop());
      if (r.mode !== 'baseline') recorded.set(`${r.mode}${r.forcedGc ? '+gc' : ''}`, rec);
    }
    const opfs = runners.find((r) => r.mode === 'opfs' && !r.forcedGc)!;
    // Finalize (make seekable) the OPFS file while watching that browser's memory.
    const before = sampleTree(opfs.pid).memBytes;
    let peak = 0;
    let done = false;
    const poll = (async () => {
      while (!done) {
        peak = Math.max(peak, sampleTree(opfs.pid).memBytes - before);
        await new Promise((res) => setTimeout(res, 250));
      }
    })();
    const fin = await opfs.page.evaluate(() => (window as any).recBench.finalize());
    done = true;
    await poll;
    finalize = { ...fin, peakGrowthMB: mb(peak) };
    await opfs.page.evaluate(() => (window as any).recBench.cleanup());
  } finally {
    await Promise.all(runners.map((r) => r.browser.close().catch(() => undefined)));
    for (const r of runners) rmSync(r.profile, { recursive: true, force: true });
    close();
    rmSync(dist, { recursive: true, force: true });
  }

  const base = runners.find((r) => r.mode === 'baseline')!;
  const discard = runners.find((r) => r.mode === 'discard' && !r.forcedGc)!;
  for (const r of runners) {
    const variant =
      { baseline: 'no recorder', discard: 'recorder, chunks dropped', opfs: 'OPFS (app)', memory: 'chunks in memory' }[r.mode] +
      (r.forcedGc ? ', GC every 10 s' : '');
    const mem = growth(r, (s) => s.memBytes);
    const heap = growth(r, (s) => s.heap);
    const rec = recorded.get(`${r.mode}${r.forcedGc ? '+gc' : ''}`);
    if (rec) {
      rows.push({
        variant, metric: 'recorded', value: mb(rec.bytes), unit: 'MB',
        note: `${(rec.elapsedMs / 1000).toFixed(0)} s at ${((rec.bytes * 8) / rec.elapsedMs / 1000).toFixed(2)} Mbit/s`,
      });
    }
    rows.push({
      variant, metric: 'memory growth (browser PSS)', value: mb(mem.growth), unit: 'MB',
      ...(r.mode === 'opfs' && !r.forcedGc ? { target: `<= ${TARGET_MB}`, pass: mb(mem.growth) <= TARGET_MB } : {}),
    });
    rows.push({ variant, metric: 'memory peak above start', value: mb(mem.peak), unit: 'MB' });
    rows.push({ variant, metric: 'page JS heap growth', value: mb(heap.growth), unit: 'MB' });
    if (r.forcedGc) continue; // CPU of forced collections is not the app's
    rows.push({ variant, metric: 'CPU', value: cpuCores(r) * 100, unit: '% of a core' });
    if (r.mode === 'opfs' || r.mode === 'memory') {
      rows.push({ variant, metric: 'added CPU vs no recorder', value: (cpuCores(r) - cpuCores(base)) * 100, unit: '% of a core' });
      rows.push({ variant, metric: 'added CPU vs chunks dropped (storage only)', value: (cpuCores(r) - cpuCores(discard)) * 100, unit: '% of a core' });
    }
  }
  if (finalize) {
    rows.push(
      { variant: 'OPFS (app)', metric: 'finalize (seekable) time', value: finalize.ms / 1000, unit: 's', note: finalize.seekable ? `seekable, ${((finalize.durationMs ?? 0) / 1000).toFixed(1)} s` : 'NOT seekable' },
      { variant: 'OPFS (app)', metric: 'finalize peak memory growth', value: finalize.peakGrowthMB, unit: 'MB' },
    );
  }
  const notes = [
    `${SECONDS} s real time per browser, all variants side by side (one browser each), noise canvas 640x360@${FPS} recorded at ${BITRATE / 1e6} Mbit/s (VP8).`,
    'Memory: PSS of each browser process tree; growth = median of the last quarter of samples minus median of the first quarter after a warm-up.',
    'Chromium keeps each MediaRecorder Blob\'s bytes in the browser process until V8 collects the Blob object; a page that allocates little collects rarely, so even "chunks dropped" grows. The ", GC every 10 s" rows (diagnostic: --expose-gc, not possible in the app) show what the storage design itself holds once collection happens.',
    ...(QUICK ? ['Quick mode: 1 minute, too short to stand for 10; the target row is indicative only.'] : []),
  ];
  const result = { name: 'recording', rows, notes, meta: { cores: cpus().length, seconds: SECONDS, bitrate: BITRATE, quick: QUICK, node: process.version } };
  const path = writeResult(result);
  process.stdout.write(`${formatTable([result])}\n`);
  log(`wrote ${path}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
