/**
 * Diagnostic timeline of a bot room: `bots` werift bots plus `browsers` Chromium pages, and
 * every few seconds, per page, what arrives from each remote participant (packets, frames
 * decoded, connection state), plus the bots' own view (connection states, packets received,
 * packets sent per connection) and the bench process's event-loop delay and CPU. Used to
 * find where streams stop in the N = 8 bot room, not to produce benchmark figures.
 *
 * Run inside `unshare -n`: `node --import tsx bench/mesh/diag.ts [--bots 6] [--browsers 2]
 * [--seconds 90] [--every 5] [--no-budget]`.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { launchBrowser, openParticipant, type Participant } from '@meshmeet/testkit/browser';
import { startServer } from '@meshmeet/testkit/services';
import { joinRoom, selfId } from '@meshmeet/testkit/call';
import { Bot, BotFleet, ClipPlayer, ensureClip } from '@meshmeet/bots';
import type { Browser, Page } from 'playwright-core';

const { values: args } = parseArgs({
  options: {
    bots: { type: 'string', default: '6' },
    browsers: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '90' },
    every: { type: 'string', default: '5' },
    'no-budget': { type: 'boolean', default: false },
    /** All bots in this process (the old way) instead of one process per bot. */
    'one-process': { type: 'boolean', default: false },
    nice: { type: 'string', default: '-10' },
  },
});
/** The main thread's time on CPU and waiting for a CPU (run queue), ms (Linux schedstat). */
function schedMs(): { run: number; wait: number } {
  const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
  return { run: run! / 1e6, wait: wait! / 1e6 };
}
/** This namespace's UDP counters (datagrams in, receive-buffer drops), from /proc/net/snmp. */
function udpCounters(): string {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const [names, values] = lines.map((l) => l.split(/\s+/).slice(1));
  const get = (k: string) => values![names!.indexOf(k)];
  return `udp in ${get('InDatagrams')} rcvbuf-drops ${get('RcvbufErrors')} sndbuf-drops ${get('SndbufErrors')} in-errors ${get('InErrors')}`;
}
/** UDP sockets of this namespace that dropped datagrams, with their owner (by inode), most first. */
function socketDrops(): string {
  const owners = new Map<string, string>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const who = /chromium/.test(cmd) ? 'chromium' : /worker\.ts/.test(cmd) ? `bot-worker` : /ffmpeg/.test(cmd) ? 'ffmpeg' : /server\.ts/.test(cmd) ? 'server' : 'node';
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const m = /socket:\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) owners.set(m[1]!, `${who}:${pid}`);
      }
    } catch {
      // a process that ended meanwhile
    }
  }
  const rows = readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.trim().split(/\s+/));
  const byOwner = new Map<string, { sockets: number; dropping: number; drops: number }>();
  for (const r of rows) {
    const who = (owners.get(r[9]!) ?? '?').split(':')[0]!;
    const e = byOwner.get(who) ?? { sockets: 0, dropping: 0, drops: 0 };
    const drops = Number(r[12]);
    e.sockets++;
    if (drops > 0) e.dropping++;
    e.drops += drops;
    byOwner.set(who, e);
  }
  const detail = rows
    .filter((r) => Number(r[12]) > 0)
    .map((r) => `${owners.get(r[9]!) ?? '?'} port ${parseInt(r[1]!.split(':')[1]!, 16)} rxq ${parseInt(r[4]!.split(':')[1]!, 16)} drops ${r[12]}`)
    .join('\n      ');
  return [...byOwner].map(([w, e]) => `${w}: ${e.drops} drops on ${e.dropping}/${e.sockets} sockets`).join('; ') + '\n      ' + detail;
}
const log = (s: string) => process.stderr.write(`[diag ${new Date().toISOString().slice(11, 23)}] ${s}\n`);

/** Per remote id, in one page: video packets, frames decoded, audio packets, connection state. */
async function pageView(page: Page): Promise<Record<string, string>> {
  return page.evaluate(async () => {
    type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
    const pcs = (window as unknown as { __meshmeet?: Hook }).__meshmeet?.peerConnections() ?? new Map<string, RTCPeerConnection>();
    const out: Record<string, string> = {};
    for (const [id, pc] of pcs) {
      let vp = 0;
      let fd = 0;
      let ap = 0;
      let nack = 0;
      let pli = 0;
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') {
          vp += Number(s.packetsReceived ?? 0);
          fd += Number(s.framesDecoded ?? 0);
          nack += Number(s.nackCount ?? 0);
          pli += Number(s.pliCount ?? 0);
        }
        if (s.type === 'inbound-rtp' && s.kind === 'audio') ap += Number(s.packetsReceived ?? 0);
      });
      out[id] = `${pc.connectionState[0]}/${pc.iceConnectionState.slice(0, 4)} vp=${vp} fd=${fd} ap=${ap} nack=${nack} pli=${pli}`;
    }
    return out;
  });
}

async function main(): Promise<void> {
  const nBots = Number(args.bots);
  const nBrowsers = Number(args.browsers);
  const budget = !args['no-budget'];
  const server = await startServer();
  const oneProcess = args['one-process'] ?? false;
  const player = oneProcess ? await ClipPlayer.start(ensureClip()) : null;
  let fleet: BotFleet | null = null;
  const room = `diag-${Date.now().toString(36)}`;
  const bots: Bot[] = [];
  const browsers: Browser[] = [];
  const people: Participant[] = [];
  const names = new Map<string, string>();
  // UDP drops from the very start (bots joining, browsers joining, measuring).
  const udpTimer = setInterval(() => log(`  ${udpCounters()}`), 2000);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  try {
    if (!oneProcess) {
      fleet = await BotFleet.join({ server: server.url, room, count: nBots, clip: ensureClip(), niceness: Number(args.nice), onError: (e) => log(`bot error: ${e}`),
        onStateChange: (bot, peer, what, state) => log(`${names.get(bot) ?? bot.slice(0, 6)}-${names.get(peer) ?? peer.slice(0, 6)} ${what} ${state}`),
      });
      fleet.ids.forEach((id, i) => names.set(id, `B${i + 1}`));
    }
    for (let i = 0; oneProcess && i < nBots; i++) {
      const b = await Bot.join({ server: server.url, room, nick: `Bot${i + 1}`, player: player!, onError: (e) => log(`bot${i + 1} error: ${String(e)}`),
        onStateChange: (peer, what, state) => log(`B${i + 1}-${names.get(peer) ?? peer.slice(0, 6)} ${what} ${state}`),
      });
      bots.push(b);
      names.set(b.id, `B${i + 1}`);
    }
    for (let i = 0; i < nBrowsers; i++) {
      const br = await launchBrowser();
      browsers.push(br);
      const p = await openParticipant(br, `${server.url}/?debug=1${budget ? '' : '&budget=off'}`, `P${i + 1}`);
      people.push(p);
      await joinRoom(p.page, { room, nick: `P${i + 1}` });
      names.set(await selfId(p.page), `P${i + 1}`);
    }
    log(`ids: ${[...names].map(([id, n]) => `${n}=${id.slice(0, 6)}`).join(' ')}`);
    log(`joined: ${nBots} bots, ${nBrowsers} browsers, budget ${budget}`);
    const name = (id: string) => names.get(id) ?? id.slice(0, 6);
    const t0 = Date.now();
    let cpu0 = process.cpuUsage();
    let tPrev = Date.now();
    let sched0 = schedMs();
    while (Date.now() - t0 < Number(args.seconds) * 1000) {
      await new Promise((r) => setTimeout(r, Number(args.every) * 1000));
      const used = process.cpuUsage(cpu0);
      const now = Date.now();
      log(
        `t=${Math.round((now - t0) / 1000)}s node CPU ${Math.round(((used.user + used.system) / 1000 / (now - tPrev)) * 100)}% loop delay p50 ${(delay.percentile(50) / 1e6).toFixed(1)} ms p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms max ${(delay.max / 1e6).toFixed(0)} ms`,
      );
      log(`  ${udpCounters()}`);
      log(`  ${socketDrops()}`);
      const sched = schedMs();
      log(`  main thread: on CPU ${Math.round(((sched.run - sched0.run) / (now - tPrev)) * 100)}%, runnable but waiting for a CPU ${Math.round(((sched.wait - sched0.wait) / (now - tPrev)) * 100)}% of the interval`);
      sched0 = sched;
      cpu0 = process.cpuUsage();
      tPrev = now;
      delay.reset();
      for (const [i, p] of people.entries()) {
        const v = await pageView(p.page);
        for (const [id, s] of Object.entries(v)) log(`  P${i + 1} <- ${name(id)}: ${s}`);
      }
      for (const [i, r] of (fleet ? await fleet.stats() : []).entries()) {
        const parts = r.peers.map((p) => `${name(p.id)}:${p.state[0]} rx v${p.received.videoPackets}/a${p.received.audioPackets} tx v${p.sent.videoPackets}/a${p.sent.audioPackets} stun ${p.ice ? `req ${p.ice.requestsSent}/res ${p.ice.responsesReceived} in-req ${p.ice.requestsReceived}/res ${p.ice.responsesSent} consent ${p.ice.consentRequestsSent} rtt ${p.ice.currentRoundTripTime}` : '-'}`);
        log(`  B${i + 1} (cpu ${r.cpuS.toFixed(1)} s, loop delay p50 ${r.loopDelayMs.p50.toFixed(0)} p99 ${r.loopDelayMs.p99.toFixed(0)} max ${r.loopDelayMs.max.toFixed(0)} ms, main thread run ${(r.runMs / 1000).toFixed(1)} s wait ${(r.waitMs / 1000).toFixed(1)} s):\n      ${parts.join('\n      ')}`);
      }
      for (const [i, b] of bots.entries()) {
        const parts = b.peers().map((id) => {
          const r = b.received(id)!;
          const s = b.sent(id);
          return `${name(id)}:${(b.connectionState(id) ?? '?')[0]} rx v${r.videoPackets}/a${r.audioPackets} tx v${s?.videoPackets}/a${s?.audioPackets}`;
        });
        log(`  B${i + 1}: ${parts.join(' | ')}`);
      }
    }
  } finally {
    clearInterval(udpTimer);
    await Promise.all(people.map((p) => p.context.close().catch(() => undefined)));
    await Promise.all(browsers.map((b) => b.close().catch(() => undefined)));
    await Promise.all(bots.map((b) => b.leave().catch(() => undefined)));
    await fleet?.leave();
    player?.stop();
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
