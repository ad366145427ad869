/**
 * Network benchmark: in the network lab (`@meshmeet/testkit/lab`), for an open link, a 1 Mbit/s uplink
 * cap, 2 % random loss and two strict NATs (media through coturn):
 * - join → first remote frame: timed in the joining page from its Join click to the first
 *   decoded frame of the participant already in the room;
 * - recovery after a 10 s cut: the joiner's interface goes down for 10 s; time from the
 *   link coming back until video frames decode again in both directions.
 * Writes bench/results/network.json and prints a table.
 *
 * Run: `node --import tsx bench/network/main.ts [--quick] [--trials N]` as root (it creates
 * network namespaces), after `npm run build`.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { formatTable, writeResult, type ResultRow } from '../lib/results.js';
import { LabCall, readMonitor, startMonitor, type LinkOptions, type Sample } from '@meshmeet/testkit/lab';
import { joinRoom, leaveRoom, selfId, uniqueRoom, waitForDecodedVideo } from '@meshmeet/testkit/call';
import { waitFor } from '@meshmeet/testkit';
import { clickJoinAndTimeFirstFrame, percentile, waitForPreview } from '../web/first-frame.js';

const CUT_MS = 10_000;

interface Scenario {
  name: string;
  turn?: boolean;
  /** Link of the participant already in the room. */
  host: LinkOptions;
  /** Link of the joiner (the one whose link is cut). */
  joiner: LinkOptions;
}

const SCENARIOS: Scenario[] = [
  { name: 'open link', host: {}, joiner: {} },
  { name: '1 Mbit/s uplink cap', host: { uplink: '1mbit' }, joiner: { uplink: '1mbit' } },
  { name: '2 % loss', host: {}, joiner: { loss: 0.02 } },
  { name: 'NAT + TURN', turn: true, host: { nat: true, blockPeers: true }, joiner: { nat: true, blockPeers: true } },
];

const log = (line: string) => process.stderr.write(`[bench:network] ${line}\n`);

/** First sample after `after` at which frames from `peer` grew; its time, or undefined. */
function firstGrowth(samples: Sample[], peer: string, after: number): number | undefined {
  let prev: number | undefined;
  for (const s of samples) {
    const v = s.peers[peer]?.framesDecoded;
    if (s.t > after && v !== undefined && prev !== undefined && v > prev) return s.t;
    if (v !== undefined) prev = v;
  }
  return undefined;
}

async function runScenario(sc: Scenario, trials: number): Promise<{ join: number[]; recover: number[]; errors: string[] }> {
  const join: number[] = [];
  const recover: number[] = [];
  const errors: string[] = [];
  const call = await LabCall.start({ turn: sc.turn });
  try {
    const host = await call.add('Host', sc.host);
    const joiner = await call.add('Joiner', sc.joiner);
    for (let i = 0; i < trials; i++) {
      try {
        const room = uniqueRoom('net');
        await joinRoom(host.page, { room, nick: 'Host' });
        const hostId = await selfId(host.page);
        await joiner.page.getByLabel('Room', { exact: true }).fill(room);
        await joiner.page.getByLabel('Name', { exact: true }).fill('Joiner');
        await waitForPreview(joiner.page, 30_000);
        const timing = await clickJoinAndTimeFirstFrame(joiner.page, 1, 60_000);
        if (timing.first === null) throw new Error('no remote frame within 60 s of Join');
        join.push(Math.round(timing.first));
        const joinerId = await selfId(joiner.page);
        await waitForDecodedVideo(host.page, joinerId, 60_000);

        await Promise.all([startMonitor(host.page, 100), startMonitor(joiner.page, 100)]);
        await joiner.net.cut();
        await new Promise((r) => setTimeout(r, CUT_MS));
        await joiner.net.restore();
        const upAt = Date.now();
        const back = await waitFor(
          'frames both ways after the cut',
          async () => {
            const a = firstGrowth(await readMonitor(host.page), joinerId, upAt + 1);
            const b = firstGrowth(await readMonitor(joiner.page), hostId, upAt + 1);
            return a !== undefined && b !== undefined ? Math.max(a, b) : undefined;
          },
          { timeoutMs: 90_000, intervalMs: 250 },
        );
        recover.push(back - upAt);
        log(`${sc.name} #${i + 1}: join → first frame ${join.at(-1)} ms, recovery ${back - upAt} ms`);
        await leaveRoom(joiner.page);
        await leaveRoom(host.page);
      } catch (err) {
        errors.push(`${sc.name} trial ${i + 1}: ${(err as Error).message.split('\n')[0]}`);
        log(errors.at(-1)!);
        // A broken trial leaves the pages in an unknown state: start the scenario's pages afresh.
        for (const p of [host, joiner]) {
          await p.net.restore().catch(() => undefined);
          await p.page.reload().catch(() => undefined);
        }
      }
    }
  } finally {
    await call.close();
  }
  return { join, recover, errors };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, trials: { type: 'string' } } });
  const quick = values.quick || process.env.BENCH_QUICK === '1';
  const trials = Number(values.trials ?? (quick ? 1 : 3));
  const started = Date.now();
  const loadAtStart = loadavg()[0]!;
  const rows: ResultRow[] = [];
  const notes: string[] = [];
  for (const sc of SCENARIOS) {
    log(`${sc.name}: ${trials} trial(s)`);
    const r = await runScenario(sc, trials).catch((err: Error) => ({ join: [], recover: [], errors: [`${sc.name}: ${err.message.split('\n')[0]}`] }));
    const n = `${r.join.length}/${trials} trials`;
    rows.push(
      { variant: sc.name, metric: 'join → first remote frame p50', value: percentile(r.join, 50), unit: 'ms', note: n },
      { variant: sc.name, metric: 'join → first remote frame max', value: r.join.length ? Math.max(...r.join) : null, unit: 'ms' },
      { variant: sc.name, metric: 'recovery after 10 s cut p50', value: percentile(r.recover, 50), unit: 'ms', note: `${r.recover.length}/${trials} trials` },
      { variant: sc.name, metric: 'recovery after 10 s cut max', value: r.recover.length ? Math.max(...r.recover) : null, unit: 'ms' },
    );
    notes.push(...r.errors);
  }
  const path = writeResult({
    name: 'network',
    rows,
    notes: [
      'Network lab (@meshmeet/testkit/lab): each participant in its own namespace behind a router namespace; servers (meshmeet, coturn) in their own. One Chromium per participant, 320x240 15 fps test-pattern camera + fake mic.',
      'Join → first frame: performance.now() in the joining page from its Join click to the first decoded frame of the participant already in the room (lobby preview running, fresh room each trial).',
      "Recovery: the joiner's interface is down for 10 s (`ip link set down`), then up; time from `up` until both pages' getStats (sampled every 100 ms in the page) show video frames decoding again.",
      'Scenarios: 1 Mbit/s = both uplinks capped by tbf; 2 % loss = iptables random drop on the joiner\'s router, both directions; NAT + TURN = both behind MASQUERADE with only the servers reachable.',
      `1-minute load average at start ${loadAtStart.toFixed(1)}, at end ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores.`,
      ...notes,
    ],
    meta: { cores: cpus().length, node: process.version, trials, quick, durationS: Math.round((Date.now() - started) / 1000), loadAverage: loadavg() },
  });
  console.log(formatTable([{ name: 'network', rows }]));
  log(`wrote ${path}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
