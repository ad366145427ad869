/**
 * Where a mesh room's CPU goes: N participants, one Chromium each, in one loopback room;
 * after they settle, every thread of every Chromium process is sampled from /proc over a
 * window and grouped by process type and thread name (encoders, decoders, compositor,
 * audio, the page's JavaScript…), and the JavaScript of one page is profiled over the same
 * window (Chrome DevTools Protocol), its self time grouped by source file.
 *
 * A diagnostic, not a benchmark: it answers "what would have to get cheaper for the room
 * to reach its frame rate", which the mesh bench's totals per browser cannot.
 *
 *   unshare -n sh -c "ip link set lo up && node --import tsx bench/mesh/where-cpu.ts [--n 6] [--window 20] [--budget off]
 *     [--mic-file talk.wav] [--dist other/apps/web/dist]"
 *
 * Needs `npm run build` (the server serves apps/web/dist). Writes
 * bench/results/mesh-where-cpu.json.
 */
import { parseArgs } from 'node:util';
import { writeResult, type ResultRow } from '../lib/results.js';
import { launchBrowser, openParticipant, type Participant } from '@meshmeet/testkit/browser';
import { startServer } from '@meshmeet/testkit/services';
import { joinRoom, waitForRemoteTiles } from '@meshmeet/testkit/call';
import { descendants } from '../recording/proc-stats.js';
import { HZ, threadTicks } from './thread-ticks.js';
import { launchTracked } from './room.js';

const log = (line: string) => process.stderr.write(`[where-cpu] ${line}\n`);
const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '6' },
    window: { type: 'string', default: '20' },
    settle: { type: 'string', default: '15' },
    budget: { type: 'string', default: 'on' },
    // A WAV every participant's fake microphone plays (Chromium's own beeps twice a second
    // and is never silent, unlike most people in a call most of the time).
    'mic-file': { type: 'string' },
    // Another web build to serve (a `vite build` output directory).
    dist: { type: 'string' },
    // The pages' size (WIDTHxHEIGHT): headless Chromium composites in software, a cost the
    // GPU of a real participant's machine carries.
    viewport: { type: 'string', default: '1024x700' },
  },
});
const N = Number(args.n);
const [VIEW_W, VIEW_H] = args.viewport.split('x').map(Number) as [number, number];
if (!(VIEW_W > 0 && VIEW_H > 0)) throw new Error(`--viewport wants WIDTHxHEIGHT, e.g. 1024x700 (got ${args.viewport})`);
const WINDOW_S = Number(args.window);
const NAMES = ['Ann', 'Ben', 'Cai', 'Dee', 'Eli', 'Fay', 'Gus', 'Hal'];

/** Video counters of one page, summed over its connections (getStats through the debug hook). */
interface FrameCounters {
  /** Camera frames captured (media-source), one camera per page. */
  captured: number;
  encoded: number;
  sent: number;
  encodeMs: number;
  received: number;
  decoded: number;
  dropped: number;
  decodeMs: number;
  nacks: number;
  plis: number;
  lost: number;
  /** Outbound streams by quality-limitation reason, and by sent height. */
  limits: Record<string, number>;
  heights: Record<string, number>;
}

/** Reads one page's {@link FrameCounters} now. */
async function frameCounters(page: Participant['page']): Promise<FrameCounters> {
  return page.evaluate(async () => {
    const w = window as unknown as { __meshmeet?: { peerConnections(): Map<string, RTCPeerConnection> } };
    const c = { captured: 0, encoded: 0, sent: 0, encodeMs: 0, received: 0, decoded: 0, dropped: 0, decodeMs: 0, nacks: 0, plis: 0, lost: 0, limits: {} as Record<string, number>, heights: {} as Record<string, number> };
    for (const pc of w.__meshmeet?.peerConnections().values() ?? []) {
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.kind !== 'video') return;
        const n = (k: string) => Number(s[k] ?? 0);
        // Every connection reports the same camera source: count it once per page.
        if (s.type === 'media-source') c.captured = Math.max(c.captured, n('frames'));
        if (s.type === 'outbound-rtp') {
          c.encoded += n('framesEncoded');
          c.sent += n('framesSent');
          c.encodeMs += n('totalEncodeTime') * 1000;
          c.plis += n('pliCount');
          c.nacks += n('nackCount');
          const reason = String(s.qualityLimitationReason ?? 'none');
          c.limits[reason] = (c.limits[reason] ?? 0) + 1;
          const h = String(s.frameHeight ?? (s.active === false ? 'paused' : '-'));
          c.heights[h] = (c.heights[h] ?? 0) + 1;
        }
        if (s.type === 'inbound-rtp') {
          c.received += n('framesReceived');
          c.decoded += n('framesDecoded');
          c.dropped += n('framesDropped');
          c.decodeMs += n('totalDecodeTime') * 1000;
          c.lost += n('packetsLost');
        }
      });
    }
    return c;
  });
}

/** The counters of {@link FrameCounters} (not the tallies). */
type FrameCount = keyof Omit<FrameCounters, 'limits' | 'heights'>;

/** Where video frames go between the cameras and the decoders of the whole room, per second of window. */
function frameFlow(before: FrameCounters[], after: FrameCounters[], seconds: number): Array<[string, number, string]> {
  const sum = (list: FrameCounters[], k: FrameCount) => list.reduce((s, c) => s + c[k], 0);
  const rate = (k: FrameCount) => (sum(after, k) - sum(before, k)) / seconds;
  const enc = rate('encoded');
  const dec = rate('decoded');
  return [
    ['camera frames captured per s, all pages', rate('captured'), 'frames/s'],
    ['frames encoded per s, room', enc, 'frames/s'],
    ['frames sent per s, room', rate('sent'), 'frames/s'],
    ['frames received per s, room', rate('received'), 'frames/s'],
    ['frames decoded per s, room', dec, 'frames/s'],
    ['frames dropped per s, room', rate('dropped'), 'frames/s'],
    ['encode time per frame', enc ? rate('encodeMs') / enc : 0, 'ms'],
    ['decode time per frame', dec ? rate('decodeMs') / dec : 0, 'ms'],
    ['packets lost per s, room', rate('lost'), 'packets/s'],
    ['NACKs received per s, room', rate('nacks'), '1/s'],
    ['PLIs received per s, room', rate('plis'), '1/s'],
  ];
}

/** One node of a DevTools CPU profile (what `Profiler.stop` returns). */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
}

/** Self time of the page's JavaScript by script and function, from a DevTools CPU profile, ms. */
function bySource(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }): Map<string, number> {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const n = nodes.get(profile.samples[i]!)!;
    const url = n.callFrame.url ? new URL(n.callFrame.url, 'http://x').pathname.replace(/-[A-Za-z0-9_-]{8}\.js$/, '.js') : '';
    const key = url ? `${url} ${n.callFrame.functionName || '(anonymous)'}` : n.callFrame.functionName;
    out.set(key, (out.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  return out;
}

async function main(): Promise<void> {
  const server = await startServer(args.dist ? { env: { WEB_DIST_DIR: args.dist } } : {});
  const micArgs = args['mic-file'] ? [`--use-file-for-fake-audio-capture=${args['mic-file']}`] : [];
  const browsers: Awaited<ReturnType<typeof launchTracked>>[] = [];
  const people: Participant[] = [];
  const rows: ResultRow[] = [];
  try {
    const room = `where-cpu-${Date.now().toString(36)}`;
    for (let i = 0; i < N; i++) {
      const b = await launchTracked(() => launchBrowser({ extraArgs: micArgs }));
      browsers.push(b);
      const p = await openParticipant(b.browser, `${server.url}/?debug=1${args.budget === 'off' ? '&budget=off' : ''}`, NAMES[i]!, { viewport: { width: VIEW_W, height: VIEW_H } });
      people.push(p);
      await joinRoom(p.page, { room, nick: NAMES[i]! });
      if (i > 0) await waitForRemoteTiles(p.page, i, 60_000);
    }
    log(`${N} joined; settling ${args.settle} s`);
    await new Promise((r) => setTimeout(r, Number(args.settle) * 1000));
    const pids = () => browsers.flatMap((b) => (b.pid ? [b.pid, ...descendants(b.pid)] : []));
    const cdp = await people[0]!.context.newCDPSession(people[0]!.page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
    const framesBefore = await Promise.all(people.map((p) => frameCounters(p.page)));
    const before = threadTicks(pids());
    const t0 = Date.now();
    await cdp.send('Profiler.start');
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: Parameters<typeof bySource>[0] };
    const after = threadTicks(pids());
    const wall = (Date.now() - t0) / 1000;
    const framesAfter = await Promise.all(people.map((p) => frameCounters(p.page)));
    const links = N * (N - 1);
    log(`video of the room's ${links} links over the window:`);
    for (const [metric, value, unit] of frameFlow(framesBefore, framesAfter, wall)) {
      // Cameras are one per page; everything else is per link.
      const per = metric.startsWith('camera') ? ` (${(value / N).toFixed(1)} per page)` : unit === 'frames/s' ? ` (${(value / links).toFixed(1)} per link)` : '';
      log(`  ${metric}: ${value.toFixed(1)} ${unit}${per}`);
      rows.push({ variant: `N=${N}, video`, metric, value: Math.round(value * 10) / 10, unit });
    }
    const tally = (k: 'limits' | 'heights') => framesAfter.reduce<Record<string, number>>((acc, c) => {
      for (const [key, n] of Object.entries(c[k])) acc[key] = (acc[key] ?? 0) + n;
      return acc;
    }, {});
    log(`  outbound streams by quality limitation: ${JSON.stringify(tally('limits'))}; by sent height: ${JSON.stringify(tally('heights'))}`);

    const threads = [...after]
      .map(([k, v]) => [k, ((v - (before.get(k) ?? 0)) / HZ / wall) * 100] as const)
      .filter(([, pct]) => pct >= 0.5)
      .sort((a, b) => b[1] - a[1]);
    const total = threads.reduce((s, [, pct]) => s + pct, 0);
    log(`all ${N} browsers: ${total.toFixed(0)} % of one core over ${wall.toFixed(1)} s`);
    for (const [k, pct] of threads.slice(0, 30)) {
      log(`  ${pct.toFixed(1).padStart(6)} %  ${k}`);
      rows.push({ variant: `N=${N}, all browsers`, metric: `thread ${k}`, value: Math.round(pct * 10) / 10, unit: '% of a core' });
    }
    const js = [...bySource(profile)].sort((a, b) => b[1] - a[1]);
    const busy = js.filter(([k]) => !['(idle)', '(program)', '(garbage collector)'].includes(k)).reduce((s, [, ms]) => s + ms, 0);
    log(`page 1 JavaScript: ${((busy / (wall * 1000)) * 100).toFixed(1)} % of its main thread busy in JS (GC ${((js.find(([k]) => k === '(garbage collector)')?.[1] ?? 0) / (wall * 10)).toFixed(1)} %)`);
    for (const [k, ms] of js.filter(([k]) => k !== '(idle)').slice(0, 20)) {
      log(`  ${((ms / (wall * 1000)) * 100).toFixed(2).padStart(6)} %  ${k}`);
      rows.push({ variant: `N=${N}, page 1 JS`, metric: k, value: Math.round((ms / (wall * 1000)) * 1000) / 10, unit: '% of main thread' });
    }
  } finally {
    await Promise.all(people.map((p) => p.context.close().catch(() => undefined)));
    await Promise.all(browsers.map((b) => b.browser.close().catch(() => undefined)));
    await server.stop();
  }
  writeResult({ name: 'mesh-where-cpu', rows, notes: [`${N} Chromiums, budget ${args.budget}, ${WINDOW_S} s window, microphone ${args['mic-file'] ?? "Chromium's fake beeps"}, web ${args.dist ?? 'this build'}`], meta: { n: N, windowS: WINDOW_S } });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
