/**
 * Recording benchmark (issue 4): page memory growth and added CPU of a long recording,
 * chunks stored in OPFS (the app's way) against chunks held in memory.
 *
 * Accelerated equivalent of 10 minutes: the app records meetings at 2.5 Mbit/s, so 10
 * minutes is ~190 MB through MediaRecorder. Memory growth depends on the bytes that flow
 * through `dataavailable` into the store, not on wall time, so we push the same bytes
 * faster: an incompressible noise canvas recorded at a high bitrate (default 16 Mbit/s,
 * 120 s ≈ 240 MB ≈ 12.8 min at 2.5 Mbit/s). The achieved bytes and the equivalent minutes
 * are reported, not assumed. CPU is compared with a baseline that draws the same canvas
 * without recording, so "added CPU" is the recorder + store only (encoding included).
 *
 * Memory is the whole Chromium process tree's PSS (Blob chunks live in the browser
 * process, not in the page's heap) plus the page's JS heap from CDP
 * `Performance.getMetrics`. Growth = last sample of the recording minus the level after
 * a 10 s warm-up.
 *
 * Run: `node --import tsx bench/recording/main.ts [--quick] [--seconds N] [--mbps N]`
 * Writes bench/results/recording.json and prints a table.
 */
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir, cpus } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { chromium, type Page } from 'playwright-core';
import { formatTable, writeResult, type ResultRow } from '../lib/results.js';
import { sampleTree, type TreeSample } from './proc-stats.js';

const log = (line: string) => process.stderr.write(`[bench:recording] ${line}\n`);
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    seconds: { type: 'string' },
    mbps: { type: 'string', default: '16' },
  },
});
const QUICK = args.quick ?? false;
const SECONDS = Number(args.seconds ?? (QUICK ? 25 : 120));
const BITRATE = Number(args.mbps) * 1e6;
const FPS = 30;
const WARMUP_S = Math.min(10, Math.floor(SECONDS / 3));
const APP_BITRATE = 2.5e6; // videoBitsPerSecond of meeting recordings in the app
const TARGET_MB = 50;

/** Build the bench page (which imports the app's recording modules) with Vite. */
async function buildPage(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'meshmeet-recbench-'));
  await build({
    root: resolve(import.meta.dirname, 'page'),
    logLevel: 'warn',
    build: { outDir: out, emptyOutDir: true, target: 'es2022' },
  });
  return out;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

/** Serve `dir` on 127.0.0.1 (a secure context, so OPFS is available). */
function serve(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = path.endsWith('/') ? join(path, 'index.html') : path;
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    ok({ url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/`, server });
  }));
}

interface RunResult {
  mode: 'baseline' | 'opfs' | 'memory';
  samples: Array<TreeSample & { heap: number }>;
  bytes: number;
  elapsedMs: number;
  cpuCores: number;
  finalize?: { ms: number; durationMs: number | null; bytes: number; seekable: boolean; peakGrowthMB: number };
}

async function heapUsed(page: Page, cdp: import('playwright-core').CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  void page;
  return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
}

/** One scenario in a fresh Chromium so process memory starts from the same place. */
async function runMode(url: string, mode: RunResult['mode']): Promise<RunResult> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-background-timer-throttling', '--disable-renderer-backgrounding'],
  });
  try {
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(url);
    await page.waitForFunction(() => document.title === 'ready');
    if (mode === 'baseline') await page.evaluate((fps) => (window as any).recBench.source(fps), FPS);
    else await page.evaluate(([m, fps, br]) => (window as any).recBench.record(m, fps, br), [mode, FPS, BITRATE] as const);
    const samples: RunResult['samples'] = [];
    const t0 = Date.now();
    while (Date.now() - t0 < SECONDS * 1000) {
      await new Promise((r) => setTimeout(r, 2000));
      samples.push({ ...sampleTree(process.pid), heap: await heapUsed(page, cdp) });
    }
    const { bytes, elapsedMs } = await page.evaluate(() => (window as any).recBench.stop());
    const warm = samples.find((s) => s.at - t0 >= WARMUP_S * 1000) ?? samples[0]!;
    const last = samples[samples.length - 1]!;
    const cpuCores = (last.cpuS - warm.cpuS) / ((last.at - warm.at) / 1000);
    const result: RunResult = { mode, samples, bytes, elapsedMs, cpuCores };
    if (mode !== 'baseline') {
      // Finalize (make seekable) while sampling memory, to show it is bounded too.
      let peak = 0;
      let done = false;
      const before = sampleTree(process.pid).memBytes;
      const poll = (async () => {
        while (!done) {
          peak = Math.max(peak, sampleTree(process.pid).memBytes - before);
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      const fin = await page.evaluate(() => (window as any).recBench.finalize());
      done = true;
      await poll;
      result.finalize = { ...fin, peakGrowthMB: peak / 1e6 };
      await page.evaluate(() => (window as any).recBench.cleanup());
    }
    return result;
  } finally {
    await browser.close();
  }
}

const mb = (b: number) => b / 1e6;

async function main(): Promise<void> {
  log(`building the bench page; ${SECONDS} s per mode at ${BITRATE / 1e6} Mbit/s, ${FPS} fps noise 640x360`);
  const dist = await buildPage();
  const { url, server } = await serve(dist);
  const runs: RunResult[] = [];
  try {
    for (const mode of ['baseline', 'opfs', 'memory'] as const) {
      log(`${mode}…`);
      runs.push(await runMode(url, mode));
    }
  } finally {
    server.close();
    rmSync(dist, { recursive: true, force: true });
  }

  const rows: ResultRow[] = [];
  const base = runs.find((r) => r.mode === 'baseline')!;
  for (const r of runs.filter((x) => x.mode !== 'baseline')) {
    const warm = r.samples.find((s) => s.at - r.samples[0]!.at >= (WARMUP_S - 2) * 1000) ?? r.samples[0]!;
    const last = r.samples[r.samples.length - 1]!;
    const growth = mb(last.memBytes - warm.memBytes);
    const heapGrowth = mb(last.heap - warm.heap);
    const equivMin = (r.bytes * 8) / APP_BITRATE / 60;
    const variant = r.mode === 'opfs' ? 'OPFS (app)' : 'chunks in memory';
    rows.push(
      { variant, metric: 'recorded', value: mb(r.bytes), unit: 'MB', note: `${(r.elapsedMs / 1000).toFixed(0)} s at ${(r.bytes * 8 / r.elapsedMs / 1000).toFixed(1)} Mbit/s` },
      { variant, metric: 'equivalent length at 2.5 Mbit/s', value: equivMin, unit: 'min' },
      {
        variant, metric: 'Chromium memory growth (PSS, all processes)', value: growth, unit: 'MB',
        ...(r.mode === 'opfs' ? { target: `<= ${TARGET_MB}`, pass: growth <= TARGET_MB && equivMin >= (QUICK ? 0 : 10) } : {}),
      },
      { variant, metric: 'page JS heap growth', value: heapGrowth, unit: 'MB' },
      { variant, metric: 'added CPU vs drawing only', value: (r.cpuCores - base.cpuCores) * 100, unit: '% of a core' },
    );
    if (r.finalize) {
      rows.push(
        { variant, metric: 'finalize (seekable) time', value: r.finalize.ms / 1000, unit: 's', note: r.finalize.seekable ? 'seekable' : 'NOT seekable' },
        { variant, metric: 'finalize peak memory growth', value: r.finalize.peakGrowthMB, unit: 'MB' },
      );
    }
  }
  rows.push({ variant: 'baseline', metric: 'CPU drawing noise canvas only', value: base.cpuCores * 100, unit: '% of a core' });

  const notes = [
    `Accelerated: ${SECONDS} s per mode of an incompressible 640x360@${FPS} canvas at ${BITRATE / 1e6} Mbit/s target; equivalent minutes use the app's 2.5 Mbit/s meeting bitrate.`,
    'Memory = summed PSS of every Chromium process (MediaRecorder Blobs held in an array live in the browser process), growth measured from the end of a warm-up to the last sample.',
    QUICK ? 'Quick mode: too short to stand for 10 minutes; the target row only checks growth.' : '',
  ].filter(Boolean);
  const result = { name: 'recording', rows, notes, meta: { cores: cpus().length, seconds: SECONDS, bitrate: BITRATE, quick: QUICK, node: process.version } };
  const path = writeResult(result);
  process.stdout.write(`${formatTable([result])}\n`);
  for (const n of notes) process.stdout.write(`  ${n}\n`);
  log(`wrote ${path}`);
  for (const r of runs) {
    log(`${r.mode}: mem ${r.samples.map((s) => mb(s.memBytes).toFixed(0)).join(' ')} MB`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
