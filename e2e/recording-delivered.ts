/**
 * "What the recorder actually recorded", observed from outside the app: every chunk a
 * page's MediaRecorder delivers (`dataavailable`) is copied to the test process with the
 * wall-clock time it was delivered, keyed by recorder. A crash or reload test can then
 * ask: of the media delivered before the page went away, how much is in the recovered
 * file? That measures the product's own loss (chunks not yet stored), not how far the
 * browser's encoder lagged behind the clock on a loaded machine.
 *
 * The copy runs through a Playwright binding, so it survives the page (it lives in the
 * test process). A chunk delivered in the last instant before the page died may not
 * reach the test: it then counts as not delivered (it was not stored either).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BrowserContext } from 'playwright-core';
import { DOWNLOADS } from './recording-support.js';
import { waitFor } from './support/processes.js';

const run = promisify(execFile);

/** One recorder seen in a page. */
export interface DeliveredRecorder {
  key: string;
  /** Epoch ms of MediaRecorder.start(). */
  startedAt: number;
  chunks: Array<{ at: number; bytes: Buffer }>;
}

/** Chunks delivered by every MediaRecorder of a context's pages, newest recorder last. */
export interface DeliveredLog {
  recorders: DeliveredRecorder[];
  /** The most recently started recorder. */
  last(): DeliveredRecorder;
  /** The first recorder started after `count` had been seen (waits for its report). */
  next(count: number, timeoutMs?: number): Promise<DeliveredRecorder>;
  /** Also log the recorders of `context` (e.g. a new browser on the same profile). */
  watch(context: BrowserContext): Promise<void>;
}

/** Start copying every MediaRecorder chunk of `context`'s pages (this and later navigations). */
export async function recordDeliveredChunks(context: BrowserContext): Promise<DeliveredLog> {
  const recorders = new Map<string, DeliveredRecorder>();
  const sorted = () => [...recorders.values()].sort((a, b) => a.startedAt - b.startedAt);
  const log: DeliveredLog = {
    get recorders() {
      return sorted();
    },
    last() {
      const rec = sorted().at(-1);
      if (!rec) throw new Error('no MediaRecorder was started');
      return rec;
    },
    async next(count, timeoutMs = 60_000) {
      // The page reports start() through the binding asynchronously: wait for that report.
      return waitFor(`MediaRecorder #${count + 1} to report its start`, () => sorted()[count], { timeoutMs, intervalMs: 50 });
    },
    watch: (c) => instrument(c),
  };
  await instrument(context);
  return log;

  async function instrument(context: BrowserContext): Promise<void> {
    await context.exposeBinding('__meshmeetDelivered', (_source, key: string, at: number, b64: string | null) => {
      let rec = recorders.get(key);
      if (!rec) recorders.set(key, (rec = { key, startedAt: at, chunks: [] }));
      if (b64 !== null) rec.chunks.push({ at, bytes: Buffer.from(b64, 'base64') });
    });
    await context.addInitScript(() => {
      const send = (window as unknown as { __meshmeetDelivered: (k: string, at: number, b64: string | null) => Promise<void> })
        .__meshmeetDelivered;
      const start = MediaRecorder.prototype.start;
      MediaRecorder.prototype.start = function (this: MediaRecorder, timeslice?: number) {
        const key = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
        void send(key, Date.now(), null);
        this.addEventListener('dataavailable', (e) => {
          const at = Date.now();
          void (e as BlobEvent).data.arrayBuffer().then((buf) => {
            const bytes = new Uint8Array(buf);
            let bin = '';
            for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
            return send(key, at, btoa(bin));
          });
        });
        return start.call(this, timeslice);
      };
    });
  }
}

/**
 * Media time (s) in chunks a recorder delivered: those delivered before `upTo.until`
 * (epoch ms), or its first `upTo.chunks` chunks; all of them when `upTo` is omitted.
 * It is the end of the last packet ffprobe finds in them; 0 when they hold no frame.
 */
export async function deliveredMediaSeconds(
  rec: DeliveredRecorder,
  upTo: { until?: number; chunks?: number },
  label: string,
): Promise<number> {
  const chosen = rec.chunks.filter((c, i) => (upTo.until === undefined || c.at < upTo.until) && (upTo.chunks === undefined || i < upTo.chunks));
  const bytes = Buffer.concat(chosen.map((c) => c.bytes));
  if (bytes.length === 0) return 0;
  const path = join(DOWNLOADS, `${label}-delivered.webm`);
  writeFileSync(path, bytes);
  const { stdout } = await run('ffprobe', ['-v', 'quiet', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', path], {
    maxBuffer: 20_000_000,
  }).catch(() => ({ stdout: '' }));
  let end = 0;
  for (const line of stdout.split('\n')) {
    const [pts, dur] = line.split(',').map(Number);
    if (Number.isFinite(pts)) end = Math.max(end, pts! + (Number.isFinite(dur) ? dur! : 0));
  }
  return end;
}
