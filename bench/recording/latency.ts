/**
 * Recording storage latency: how long a MediaRecorder chunk waits between
 * `dataavailable` and the store acknowledging it as stored. A chunk that is delivered
 * but not yet acknowledged is lost if the page dies, so this latency (plus one
 * timeslice) bounds what a reload or crash can lose.
 *
 * One Chromium with an on-disk profile records the bench page's noise canvas at the
 * app's meeting bitrate (2.5 Mbit/s) through the app's RecorderSession, once per store
 * variant: `opfs` (the app: worker + sync access handle where available) and
 * `opfs-page` (the page-side `createWritable()` writer). With `--hog`, each variant runs
 * again with `stress-ng --cpu 2` beside it (both cores busy), started and stopped here.
 *
 * Run: `node --import tsx bench/recording/latency.ts [--seconds 20] [--timeslice 1000] [--hog] [--quick]`
 * or `npm run bench -- --only recording-latency`
 * (inside `unshare -n`, under the browser lock). Writes bench/results/recording-latency.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { chromium } from 'playwright-core';
import { formatTable, writeResult, type ResultRow } from '../lib/results.js';
import { serveDir } from './serve.js';

const log = (line: string) => process.stderr.write(`[bench:recording-latency] ${line}\n`);
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    timeslice: { type: 'string', default: '1000' },
    mbps: { type: 'string', default: '2.5' },
    hog: { type: 'boolean', default: false },
    variants: { type: 'string', default: 'opfs-page,opfs' },
    // `npm run bench -- --quick` passes this: a shorter recording per variant.
    quick: { type: 'boolean', default: false },
  },
});
const SECONDS = args.quick ? Math.min(8, Number(args.seconds)) : Number(args.seconds);
const TIMESLICE = Number(args.timeslice);
const BITRATE = Number(args.mbps) * 1e6;
const VARIANTS = args.variants!.split(',');

interface Timing {
  deliveredAt: number;
  storedAt: number | null;
  bytes: number;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};

async function main(): Promise<void> {
  const dist = mkdtempSync(join(tmpdir(), 'meshmeet-reclat-'));
  await build({ root: resolve(import.meta.dirname, 'page'), logLevel: 'warn', build: { outDir: dist, emptyOutDir: true, target: 'es2022' } });
  const { url, close } = await serveDir(dist);
  const profile = mkdtempSync(join(tmpdir(), 'meshmeet-reclat-profile-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-background-timer-throttling', '--disable-renderer-backgrounding'],
  });
  const rows: ResultRow[] = [];
  const notes: string[] = [];
  let hog: ChildProcess | null = null;
  try {
    for (const withHog of args.hog ? [false, true] : [false]) {
      if (withHog) {
        hog = spawn('stress-ng', ['--cpu', '2', '--quiet'], { stdio: 'ignore' });
        await new Promise((r) => setTimeout(r, 2000)); // let the hog take the cores
      }
      for (const variant of VARIANTS) {
        const load = loadavg()[0]!.toFixed(1);
        const page = browser.pages()[0] ?? (await browser.newPage());
        await page.goto(url);
        await page.waitForFunction(() => document.title === 'ready');
        await page.evaluate(([v, br, ts]) => (window as any).recBench.record(v, 30, br, ts), [variant, BITRATE, TIMESLICE] as const);
        await new Promise((r) => setTimeout(r, SECONDS * 1000));
        await page.evaluate(() => (window as any).recBench.stop());
        const { writer, chunks: t } = (await page.evaluate(() => (window as any).recBench.timings())) as { writer: string; chunks: Timing[] };
        await page.evaluate(() => (window as any).recBench.cleanup());
        const lat = t.filter((c) => c.storedAt !== null).map((c) => c.storedAt! - c.deliveredAt);
        const label = `${variant} (${writer} writer)${withHog ? ' + stress-ng --cpu 2' : ''}`;
        log(`${label}: ${lat.length}/${t.length} chunks, load ${load}, latencies ${lat.map((x) => x.toFixed(0)).join(' ')}`);
        const row = (metric: string, value: number) => rows.push({ variant: label, metric, value, unit: 'ms' });
        row('delivered → stored p50', pct(lat, 50));
        row('delivered → stored p95', pct(lat, 95));
        row('delivered → stored max', Math.max(...lat));
        rows.push({ variant: label, metric: 'chunks stored', value: lat.length, unit: 'chunks', note: `load average ${load} at start` });
      }
      if (hog) {
        hog.kill('SIGTERM');
        await new Promise((r) => hog!.once('exit', r));
        hog = null;
      }
    }
  } finally {
    if (hog) hog.kill('SIGTERM');
    await browser.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
    rmSync(dist, { recursive: true, force: true });
    close();
  }
  notes.push(`${SECONDS} s per variant, timeslice ${TIMESLICE} ms, noise canvas 640x360@30 at ${BITRATE / 1e6} Mbit/s (VP8), on-disk profile.`);
  const result = { name: 'recording-latency', rows, notes, meta: { cores: cpus().length, seconds: SECONDS, timesliceMs: TIMESLICE } };
  const path = writeResult(result);
  process.stdout.write(`${formatTable([result])}\n`);
  log(`wrote ${path}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
