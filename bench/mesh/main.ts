/**
 * Mesh benchmark: rooms of N = 2, 4, 6 participants, one headless Chromium each with the
 * app's default capture (720p30 asked of the fake camera), with the send budget and
 * without it (`?budget=off`) in the same run, plus a room of 4 behind 1 Mbit/s uplinks in
 * the network lab (each participant in its own namespace, `tbf` on its router).
 *
 * Per room, over a measuring window after everyone decodes everyone (or 60 s passed):
 * remote video fps (median and min over every stream on every page, frames as each remote
 * tile presented them), freezes (a gap of more than 1 s between presented frames) per stream-minute and the share of time frozen (seen by
 * the page, and by the receiving WebRTC stack's own count), audio concealment ratio, upload per
 * participant, CPU per participant (its browser's process tree, % of one core), and the 4th
 * joiner's Join click → a decoded frame from all three others.
 *
 * N = 8 is 6 werift bots (tools/bots: the documented protocol, a prerecorded VP8 + Opus clip)
 * plus 2 browsers, whose figures are reported.
 *
 * Run: `node --import tsx bench/mesh/main.ts [--quick] [--sizes 2,4,6] [--no-bots] [--no-lab] [--mic-file talk.wav] [--muted K]`
 * (needs `npm run build`; run by `npm run bench -- --only mesh` inside `unshare -n`).
 *
 * `--against <dir> [--rounds 2]` instead compares this web build with another one (a
 * `vite build` output directory, served by a second server) in the same run: for each size,
 * budget on, rounds alternate which build goes first, and the result gives each build's
 * figures and the ratios this / other (CPU per participant, remote fps).
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { formatTable, writeResult, type ResultRow } from '../lib/results.js';
import { launchBrowser, openParticipant, type Participant } from '@meshmeet/testkit/browser';
import { startServer } from '@meshmeet/testkit/services';
import { LabCall } from '@meshmeet/testkit/lab';
import { launchTracked, measureRoom, type RoomMember, type RoomResult } from './room.js';
import { POLL_MS } from './sampler.js';
import { BotFleet, ensureClip } from '@meshmeet/bots';

const log = (line: string) => process.stderr.write(`[bench:mesh] ${line}\n`);
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    sizes: { type: 'string' },
    'no-bots': { type: 'boolean', default: false },
    'no-lab': { type: 'boolean', default: false },
    against: { type: 'string' },
    rounds: { type: 'string', default: '2' },
    // A WAV each browser's fake microphone plays instead of Chromium's beeps, which never
    // fall silent (a real room is mostly silent: one person talks at a time).
    'mic-file': { type: 'string' },
    // How many of each loopback room's browsers (the last to join) mute their microphone.
    muted: { type: 'string', default: '0' },
    // Run each pair of rooms without the budget first (by default the budget's room goes
    // first), to tell an effect of the budget from one of the order.
    'budget-last': { type: 'boolean', default: false },
  },
});
const QUICK = args.quick ?? false;
const SIZES = (args.sizes ?? '2,4,6').split(',').filter(Boolean).map(Number);
const WINDOW_S = QUICK ? 15 : 40;
const SETTLE_S = QUICK ? 8 : 15;
const MIC_ARGS = args['mic-file'] ? [`--use-file-for-fake-audio-capture=${args['mic-file']}`] : [];
const MUTED = Number(args.muted);
if (!(Number.isInteger(MUTED) && MUTED >= 0)) throw new Error(`--muted wants a count of participants (got ${args.muted})`);
const NAMES = ['Ann', 'Ben', 'Cai', 'Dee', 'Eli', 'Fay', 'Gus', 'Hal'];
/** With and without the budget, in the order the rooms run. */
const BUDGET_ORDER = args['budget-last'] ? [false, true] : [true, false];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);

/** Summary figures of one room. */
interface Summary {
  /** Frames the remote tiles presented per second. */
  fpsMedian: number;
  fpsMin: number;
  /** Frames WebRTC decoded per second (the measure of figures before 2026-12-04). */
  decodedFpsMedian: number;
  decodedFpsMin: number;
  freezesPerMin: number;
  frozenStreams: number;
  /** Spans over 1 s in which a busy page saw several frames at once, a freeze possibly hidden (`unobserved` in sampler.ts). */
  unobservedFreezes: number;
  /** Share (0..1) of all streams' time spent frozen. */
  frozenShare: number;
  /** The same share by the receiving WebRTC stack's own freeze count (see `rendererFrozenMs` in sampler.ts). */
  rendererFrozenShare: number;
  /** Longest stall of any page's sampler, ms. */
  longestPollGapMs: number;
  streams: number;
  /** Length of the window, minutes (median over pages). */
  minutes: number;
  concealment: number;
  uploadKbps: number;
  cpuPercent: number;
  fourthJoinerMs: number | null;
  neverDecoded: number;
  /** CPU of one bot (its own process and clip player, averaged over the bots), % of a core. */
  botCpuPercent?: number;
}

function summarize(r: RoomResult): Summary {
  const streams = r.windows.flatMap((w) => w.streams);
  const minutes = median(r.windows.map((w) => w.seconds)) / 60;
  const freezes = streams.reduce((s, x) => s + x.freezes, 0);
  // A muted member sends no audio at all (its receivers conceal every sample) and is not played.
  const muted = new Set(r.mutedIds);
  // Share (0..1) of all streams' time that `ms` of each stream spent frozen.
  const frozenShare = (ms: (x: (typeof streams)[number]) => number) =>
    streams.length ? streams.reduce((sum, x) => sum + ms(x), 0) / 1000 / (streams.length * minutes * 60) : NaN;
  const conc = streams.filter((s) => !muted.has(s.from)).map((s) => s.concealment).filter((c): c is number => c !== null);
  return {
    fpsMedian: median(streams.map((s) => s.fps)),
    fpsMin: Math.min(...streams.map((s) => s.fps)),
    decodedFpsMedian: median(streams.map((s) => s.decodedFps)),
    decodedFpsMin: Math.min(...streams.map((s) => s.decodedFps)),
    freezesPerMin: streams.length ? freezes / streams.length / minutes : NaN,
    frozenStreams: streams.filter((s) => s.freezes > 0).length,
    unobservedFreezes: streams.reduce((sum, x) => sum + x.unobserved, 0),
    frozenShare: frozenShare((x) => x.frozenMs),
    rendererFrozenShare: frozenShare((x) => x.rendererFrozenMs),
    longestPollGapMs: Math.max(0, ...r.windows.map((w) => w.longestPollGapMs)),
    streams: streams.length,
    minutes,
    concealment: conc.length ? Math.max(...conc) : NaN,
    uploadKbps: median(r.windows.map((w) => w.uploadKbps)),
    cpuPercent: median(r.cpuPercent.filter(Number.isFinite)),
    fourthJoinerMs: r.fourthJoinerMs,
    neverDecoded: r.neverDecoded,
  };
}

function rows(variant: string, s: Summary): ResultRow[] {
  return [
    { variant, metric: 'remote video fps, median', value: round(s.fpsMedian), unit: 'fps' },
    { variant, metric: 'remote video fps, min', value: round(s.fpsMin), unit: 'fps' },
    { variant, metric: 'remote video fps decoded (WebRTC), median / min', value: `${round(s.decodedFpsMedian)} / ${round(s.decodedFpsMin)}`, unit: 'fps', note: 'framesDecoded; the rows above count frames the tiles presented' },
    { variant, metric: 'freezes (>1 s) per stream-minute', value: round(s.freezesPerMin, 2), unit: '/min', note: `${s.frozenStreams} of ${s.streams} streams froze at least once; frames counted as the tiles presented them (requestVideoFrameCallback); besides, ${s.unobservedFreezes} spans over 1 s where a busy page saw several frames at once may hide a freeze (not counted); longest gap between the page's getStats polls ${Math.round(s.longestPollGapMs)} ms` },
    { variant, metric: 'freezes per stream-minute, counting every span that may hide one', value: round(s.streams ? (s.freezesPerMin * s.streams + s.unobservedFreezes / s.minutes) / s.streams : NaN, 2), unit: '/min' },
    { variant, metric: 'time frozen, share of stream time', value: round(s.frozenShare * 100, 1), unit: '%' },
    {
      variant,
      metric: "time frozen by the receiver's WebRTC stats, share",
      value: round(s.rendererFrozenShare * 100, 1),
      unit: '%',
      note: 'inbound-rtp totalFreezesDuration: counted where frames reach the renderer (a stalled page cannot fake it); a freeze there is a frame later than max(3× the mean interval, mean + 150 ms)',
    },
    { variant, metric: 'audio concealment, worst stream', value: round(s.concealment * 100, 2), unit: '%' },
    { variant, metric: 'upload per participant, median', value: round(s.uploadKbps, 0), unit: 'kbit/s' },
    { variant, metric: 'CPU per participant, median', value: round(s.cpuPercent, 0), unit: '% of a core' },
    ...(s.fourthJoinerMs !== null ? [{ variant, metric: '4th joiner: Join → frames from all 3', value: s.fourthJoinerMs, unit: 'ms' }] : []),
    ...(s.botCpuPercent !== undefined ? [{ variant, metric: 'CPU per bot (its process + its clip player, mean)', value: round(s.botCpuPercent, 1), unit: '% of a core' }] : []),
    ...(s.neverDecoded ? [{ variant, metric: 'streams not decoding after 60 s', value: s.neverDecoded, unit: '' }] : []),
  ];
}

/** A loopback room of `n` browsers. */
async function loopbackRoom(url: string, n: number, budget: boolean): Promise<Summary> {
  const browsers: Awaited<ReturnType<typeof launchTracked>>[] = [];
  const people: Participant[] = [];
  try {
    const members: RoomMember[] = [];
    for (let i = 0; i < n; i++) {
      const b = await launchTracked(() => launchBrowser({ extraArgs: MIC_ARGS }));
      browsers.push(b);
      const p = await openParticipant(b.browser, `${url}/?debug=1${budget ? '' : '&budget=off'}`, NAMES[i]!);
      people.push(p);
      members.push({ name: NAMES[i]!, page: p.page, pid: b.pid });
    }
    const room = `mesh-${n}-${budget ? 'on' : 'off'}-${Date.now().toString(36)}`;
    return summarize(await measureRoom(members, room, { settleS: SETTLE_S, windowS: WINDOW_S, log, muted: Math.min(MUTED, n) }));
  } finally {
    await Promise.all(people.map((p) => p.context.close().catch(() => undefined)));
    await Promise.all(browsers.map((b) => b.browser.close().catch(() => undefined)));
  }
}

/**
 * A room of `bots` werift bots sending the prerecorded clip, joined first, then `browsers`
 * Chromium participants; figures are the browsers' (what a person in a big room sees).
 */
async function botRoom(url: string, browsers: number, bots: number, budget: boolean): Promise<Summary> {
  const tracked: Awaited<ReturnType<typeof launchTracked>>[] = [];
  const people: Participant[] = [];
  const room = `mesh-bots-${budget ? 'on' : 'off'}-${Date.now().toString(36)}`;
  // One process per bot (see tools/bots/src/worker.ts): six bots on one event loop, next to
  // Playwright, fell behind on this 2-core machine until werift failed every connection.
  const crowd = await BotFleet.join({ server: url, room, count: bots, clip: ensureClip(), onError: (e) => log(`bot: ${e}`) });
  try {
    const members: RoomMember[] = [];
    for (let i = 0; i < browsers; i++) {
      const b = await launchTracked(() => launchBrowser());
      tracked.push(b);
      const p = await openParticipant(b.browser, `${url}/?debug=1${budget ? '' : '&budget=off'}`, NAMES[i]!);
      people.push(p);
      members.push({ name: NAMES[i]!, page: p.page, pid: b.pid });
    }
    const cpuOf = async () => (await crowd.stats()).reduce((s, r) => s + r.cpuS, 0);
    const cpu0 = await cpuOf();
    const t0 = Date.now();
    const result = await measureRoom(members, room, { settleS: SETTLE_S, windowS: WINDOW_S, log, botIds: crowd.ids });
    const wall = (Date.now() - t0) / 1000;
    const botCpuS = (await cpuOf()) - cpu0;
    const failed = (await crowd.stats()).flatMap((r) => r.peers.filter((p) => p.state !== 'connected').map((p) => `${r.id}->${p.id}: ${p.state}`));
    if (failed.length) log(`  bot connections not connected at the end: ${failed.join(', ')}`);
    return { ...summarize(result), botCpuPercent: ((botCpuS / wall) * 100) / bots };
  } finally {
    await Promise.all(people.map((p) => p.context.close().catch(() => undefined)));
    await Promise.all(tracked.map((b) => b.browser.close().catch(() => undefined)));
    await crowd.leave().catch(() => undefined);
  }
}

/** A lab room of `n` browsers, each behind its own `uplink`. */
async function labRoom(n: number, uplink: `${number}mbit`, budget: boolean): Promise<Summary> {
  const call = await LabCall.start();
  try {
    const members: RoomMember[] = [];
    for (let i = 0; i < n; i++) {
      let person: Awaited<ReturnType<LabCall['add']>> | null = null;
      const tracked = await launchTracked(async () => {
        person = await call.add(NAMES[i]!, { uplink }, { query: budget ? '' : 'budget=off', chromium: { extraArgs: MIC_ARGS } });
        return person.browser;
      });
      members.push({ name: NAMES[i]!, page: person!.page, pid: tracked.pid });
    }
    const room = `lab-${n}-${budget ? 'on' : 'off'}-${Date.now().toString(36)}`;
    return summarize(await measureRoom(members, room, { settleS: SETTLE_S, windowS: WINDOW_S, log }));
  } finally {
    await call.close();
  }
}

/** `--against`: the same rooms on this web build and on another, alternating, with ratios. */
async function compareBuilds(otherDist: string): Promise<void> {
  const started = Date.now();
  const loadAtStart = loadavg();
  const rounds = Number(args.rounds);
  const out: ResultRow[] = [];
  const servers = { this: await startServer(), other: await startServer({ env: { WEB_DIST_DIR: otherDist } }) };
  try {
    for (const n of SIZES) {
      const seen: Record<keyof typeof servers, Summary[]> = { this: [], other: [] };
      for (let r = 0; r < rounds; r++) {
        const order: (keyof typeof servers)[] = r % 2 ? ['other', 'this'] : ['this', 'other'];
        for (const build of order) {
          log(`N=${n}, ${build} build, round ${r + 1}: load ${loadavg()[0]!.toFixed(1)}`);
          const s = await loopbackRoom(servers[build].url, n, true);
          seen[build].push(s);
          out.push(...rows(`N=${n}, ${build} build, round ${r + 1}`, s));
          log(`  CPU per participant ${round(s.cpuPercent, 0)} %, fps median ${round(s.fpsMedian)}, min ${round(s.fpsMin)}`);
        }
      }
      const ratio = (pick: (s: Summary) => number) => round(median(seen.this.map(pick)) / median(seen.other.map(pick)), 2);
      out.push({ variant: `N=${n}`, metric: 'CPU per participant, this / other (medians over rounds)', value: ratio((s) => s.cpuPercent), unit: '×' });
      out.push({ variant: `N=${n}`, metric: 'remote fps median, this / other', value: ratio((s) => s.fpsMedian), unit: '×' });
    }
  } finally {
    await Promise.all([servers.this.stop(), servers.other.stop()]);
  }
  const result = {
    name: 'mesh-against',
    rows: out,
    notes: [`This web build against ${otherDist}, ${rounds} alternating rounds per size, budget on, microphone ${args['mic-file'] ?? "Chromium's fake beeps"}${MUTED ? `, the last ${MUTED} to join of each room muted` : ''}. Load average at start ${loadAtStart[0]!.toFixed(1)}, at end ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores.`],
    meta: { cores: cpus().length, sizes: SIZES, rounds, against: otherDist, durationS: Math.round((Date.now() - started) / 1000) },
  };
  const path = writeResult(result);
  console.log(formatTable([result]));
  log(`wrote ${path}`);
}

async function main(): Promise<void> {
  if (args.against) return compareBuilds(args.against);
  const started = Date.now();
  const loadAtStart = loadavg();
  const out: ResultRow[] = [];
  const summaries = new Map<string, Summary>();
  /** Keeps a room's figures, and logs them at once: a run stopped by its time limit keeps what it measured. */
  const record = (variant: string, s: Summary) => {
    summaries.set(variant, s);
    const measured = rows(variant, s);
    out.push(...measured);
    for (const r of measured) log(`  ${r.metric}: ${r.value ?? 'n/a'} ${r.unit}`);
  };
  const server = await startServer();
  try {
    for (const n of SIZES) {
      for (const budget of BUDGET_ORDER) {
        const variant = `N=${n}, ${budget ? 'budget' : 'no budget'}`;
        log(`${variant}: load ${loadavg()[0]!.toFixed(1)}`);
        try {
          const s = await loopbackRoom(server.url, n, budget);
          record(variant, s);
        } catch (e) {
          log(`${variant} failed: ${(e as Error).message}`);
          out.push({ variant, metric: 'room ran', value: null, unit: '', pass: false, note: (e as Error).message.slice(0, 200) });
        }
      }
    }
    if (!args['no-bots']) {
      for (const budget of BUDGET_ORDER) {
        const variant = `N=8 (2 browsers + 6 bots), ${budget ? 'budget' : 'no budget'}`;
        log(`${variant}: load ${loadavg()[0]!.toFixed(1)}`);
        try {
          const s = await botRoom(server.url, 2, 6, budget);
          record(variant, s);
        } catch (e) {
          log(`${variant} failed: ${(e as Error).message}`);
          out.push({ variant, metric: 'room ran', value: null, unit: '', pass: false, note: (e as Error).message.slice(0, 200) });
        }
      }
    }
  } finally {
    await server.stop();
  }
  if (!args['no-lab']) {
    for (const budget of BUDGET_ORDER) {
      const variant = `N=4, 1 Mbit/s uplink each, ${budget ? 'budget' : 'no budget'}`;
      log(`${variant}: load ${loadavg()[0]!.toFixed(1)}`);
      try {
        const s = await labRoom(4, '1mbit' as const, budget);
        record(variant, s);
      } catch (e) {
        log(`${variant} failed: ${(e as Error).message}`);
        out.push({ variant, metric: 'room ran', value: null, unit: '', pass: false, note: (e as Error).message.slice(0, 200) });
      }
    }
  }

  // Targets.
  const six = summaries.get('N=6, budget');
  const sixOff = summaries.get('N=6, no budget');
  if (six) {
    out.push({ variant: 'N=6, budget', metric: 'target: every remote video ≥ 10 fps', value: round(six.fpsMin), unit: 'fps', target: '>= 10', pass: six.fpsMin >= 10 });
    out.push({ variant: 'N=6, budget', metric: 'target: no freeze', value: round(six.freezesPerMin, 2), unit: '/min', target: '0', pass: six.freezesPerMin === 0 });
  }
  if (six && sixOff) {
    const fpsUp = six.fpsMin > sixOff.fpsMin && six.fpsMedian > sixOff.fpsMedian;
    const fps = `fps ${round(six.fpsMin)}/${round(six.fpsMedian)} vs ${round(sixOff.fpsMin)}/${round(sixOff.fpsMedian)}`;
    // Two readings of "fewer freezes": a count rewards a stream that stops for good (one
    // long freeze), so the time spent frozen is judged beside it.
    const fewer = six.freezesPerMin < sixOff.freezesPerMin || (six.freezesPerMin === 0 && sixOff.freezesPerMin === 0);
    const shorter = six.frozenShare < sixOff.frozenShare || (six.frozenShare === 0 && sixOff.frozenShare === 0);
    out.push({
      variant: 'N=6',
      metric: 'target: budget better than none (fps min+median up, freezes per minute down)',
      value: `${fps}; freezes ${round(six.freezesPerMin, 2)} vs ${round(sixOff.freezesPerMin, 2)}/min`,
      unit: '',
      target: 'strictly better',
      pass: fpsUp && fewer,
    });
    out.push({
      variant: 'N=6',
      metric: 'target: budget better than none (fps min+median up, time frozen down)',
      value: `${fps}; time frozen ${round(six.frozenShare * 100)} vs ${round(sixOff.frozenShare * 100)} %`,
      unit: '',
      target: 'strictly better',
      pass: fpsUp && shorter,
    });
  }
  const lab = summaries.get('N=4, 1 Mbit/s uplink each, budget');
  if (lab) {
    out.push({ variant: 'N=4, 1 Mbit/s, budget', metric: 'target: no freeze', value: round(lab.freezesPerMin, 2), unit: '/min', target: '0', pass: lab.freezesPerMin === 0 });
    out.push({ variant: 'N=4, 1 Mbit/s, budget', metric: 'target: audio concealment ≤ 2 %', value: round(lab.concealment * 100, 2), unit: '%', target: '<= 2', pass: lab.concealment <= 0.02 });
  }

  const result = {
    name: 'mesh',
    rows: out,
    notes: [
      `1-minute load average at start ${loadAtStart[0]!.toFixed(1)}, at end ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores. Every participant is a Chromium on this machine: on a shared machine the figures are as much about the other load as about the app.`,
      `Window ${WINDOW_S} s after ${SETTLE_S} s of settling; frames and freezes from each remote tile's requestVideoFrameCallback; getStats polled every ${POLL_MS} ms in each page.`,
    ],
    meta: { cores: cpus().length, node: process.version, quick: QUICK, sizes: SIZES, loadAverage: { start: loadAtStart, end: loadavg() }, durationS: Math.round((Date.now() - started) / 1000) },
  };
  const path = writeResult(result);
  console.log(formatTable([result]));
  log(`wrote ${path}`);
}

main().then(
  // Exit explicitly: after the bot room, werift's closed connections still hold handles that
  // keep node running, and a bench that never ends stalls whatever runs it (bench.sh, CI).
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
