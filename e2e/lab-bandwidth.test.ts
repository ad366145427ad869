/**
 * Four people in the network lab, each with an uplink capped at 1 Mbit/s, through which
 * each sends its camera and microphone to three peers. While the call is watched:
 * - everyone decodes everyone: every remote video's `framesDecoded` keeps advancing;
 * - audio never stops: what each page plays of every remote microphone is never mostly made
 *   up (concealment) for over 2 s, and its energy keeps growing. Judged from the listener's
 *   playout counters, not from packet counts: on this saturated two-core machine Chromium's
 *   `packetsReceived` has stood still for 2.5 s while the same stream played all along, never
 *   mostly concealed, and a listener whose own audio thread was starved played nothing at all for
 *   a while (that stall is reported, since it says nothing about the link).
 *   Four browsers take both cores here, and a browser that gets no CPU for seconds sends its
 *   audio late or plays it late whatever the link does: a break during which the sender's
 *   or the listener's page was seen starved (a bare main-thread timer of the monitor ran
 *   over 1 s late) is printed with that evidence and not held against the link;
 * - the mesh budget keeps each uplink within its cap: what getStats says each page sent on
 *   all its links together (with UDP/IP headers) stays under 1 Mbit/s, and no camera
 *   encoder ends up starved of bandwidth with nothing decoded at the other end.
 * Per-link figures (sent kbit/s, decode fps, audio gaps and concealment) are printed as
 * test diagnostics.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { LabCall, captureStalls, longestAudioBreak, longestStall, readMainThreadStalls, readMonitor, startMonitor, type LabPerson, type Sample, type Span } from '@meshmeet/testkit/lab';
import { joinRoom, selfId } from './support/call.js';
import { uniqueRoom } from './support/fixture.js';
import { scaled, waitFor } from '@meshmeet/testkit';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** Each participant's uplink. */
const UPLINK_KBPS = 1000;
/** How much of the call (page time, as the pages sampled it) is watched once everyone decodes everyone. */
const WATCH_MS = 12_000;
/** Longest allowed break (mostly concealed playout) of one remote microphone. */
const AUDIO_BREAK_MS = 2000;
/** A page whose main thread ran no timer for this long was starved of CPU then. */
const STARVED_MS = 1000;
/** A listener that played less than this share of the time between its reads is noted as starved. */
const PLAYED_SHARE_NOTED = 0.8;
/** UDP (8) + IPv4 (20) header bytes per packet: what the capped link carries on top of getStats' bytes. */
const HEADER_BYTES = 28;

const started = Date.now();
const stage = (what: string) => process.stderr.write(`lab-bandwidth +${((Date.now() - started) / 1000).toFixed(1)}s ${what}\n`);

describe('lab: four people at 1 Mbit/s uplink', { timeout: scaled(180_000) }, () => {
  let call: LabCall;
  let trace: { stop(): void } | undefined;
  before(async () => {
    call = await LabCall.start();
  });
  after(async () => {
    trace?.stop();
    await call?.close();
  });

  test('everyone decodes everyone, audio never stops, each uplink stays within 1 Mbit/s', async (t) => {
    const room = uniqueRoom('cap');
    const names = ['Ada', 'Bo', 'Cy', 'Di'];
    // In parallel: on a loaded machine four browsers started one by one take a minute.
    const people = await Promise.all(names.map((name) => call.add(name, { uplink: `${UPLINK_KBPS}kbit` })));
    for (const p of people) {
      p.page.on('console', (m) => {
        if (m.type() === 'warning' || m.type() === 'error') stage(`${p.name} console ${m.type()}: ${m.text().slice(0, 300)}`);
      });
    }
    for (const p of people) {
      // Engine.IO heartbeats: the server sends "2" (ping), the page answers "3" (pong).
      p.page.on('websocket', (ws) => {
        let ping = 0;
        let pong = 0;
        ws.on('framereceived', (f) => f.payload === '2' && (ping = Date.now()));
        ws.on('framesent', (f) => f.payload === '3' && (pong = Date.now()));
        ws.on('close', () => stage(`${p.name} signaling websocket closed; last ping received ${Date.now() - ping} ms ago, last pong sent ${Date.now() - pong} ms ago`));
      });
    }
    stage('browsers open');
    await Promise.all(people.map((p) => joinRoom(p.page, { room, nick: p.name })));
    const ids = await Promise.all(people.map((p) => selfId(p.page)));
    stage('joined');
    trace = traceLinks(people);
    await everyoneDecodesEveryone(people, ids);
    stage('everyone decodes everyone');

    await Promise.all(people.map((p) => startMonitor(p.page)));
    const before = await Promise.all(people.map((p) => linkCounters(p.page)));
    // Watch until every page's own sampler has covered WATCH_MS of the call (a loaded
    // machine delays the samplers; the window is counted in samples taken, not in sleep).
    const from = Date.now();
    await waitFor(
      `every page sampling ${WATCH_MS} ms of the call`,
      async () => {
        const spans = await Promise.all(people.map((p) => monitorSpan(p.page)));
        return spans.every((s) => s.last - Math.max(s.first, from) >= WATCH_MS);
      },
      { timeoutMs: WATCH_MS + 20_000, intervalMs: 500 },
    );
    const after_ = await Promise.all(people.map((p) => linkCounters(p.page)));
    const to = Date.now();
    stage('watched');
    trace.stop();

    const failures: string[] = [];
    const timelines = await Promise.all(people.map((p) => readMonitor(p.page)));
    const starved = await Promise.all(people.map((p) => readMainThreadStalls(p.page, STARVED_MS)));
    const captureStarved = timelines.map((samples) => captureStalls(samples, STARVED_MS));
    for (const [i, p] of people.entries()) {
      const samples = timelines[i]!;
      let wireKbps = 0;
      for (const [j, id] of ids.entries()) {
        if (i === j) continue;
        const a = before[i]![id]!;
        const b = after_[i]![id]!;
        const s = (b.t - a.t) / 1000;
        const linkWire = b.pairBytes - a.pairBytes + HEADER_BYTES * (b.pairPackets - a.pairPackets);
        wireKbps += kbps(linkWire, s);
        const audio = longestStall(samples, id, 'audioPackets', from, to);
        const video = longestStall(samples, id, 'framesDecoded', from, to);
        const heard = longestAudioBreak(samples, id, from, to);
        const fps = (b.framesDecoded - a.framesDecoded) / s;
        const concealed = b.totalSamples > a.totalSamples ? (b.concealed - a.concealed) / (b.totalSamples - a.totalSamples) : 1;
        t.diagnostic(
          `${p.name} → ${names[j]}: sent ${kbps(linkWire, s)} kbit/s on the wire (video ${kbps(b.videoBytes - a.videoBytes, s)}, audio ${kbps(b.audioBytes - a.audioBytes, s)}), ` +
            `${b.sentHeight}p @ ${b.sentFps ?? '?'} fps, limited by ${b.limitation}, budget ${b.budget}; ` +
            `${p.name} ← ${names[j]}: ${fps.toFixed(1)} fps decoded (video gap ${video.stallMs} ms), audio packets stood still up to ${audio.stallMs} ms ` +
            // A long spacing means this page's own sampler was starved: a gap then says more about the machine than the link.
            `(sampler spacing up to ${audio.maxSpacingMs} ms), ` +
            `audio break ${heard.breakMs} ms (listener stalled up to ${heard.listenerStallMs} ms, played ${heard.playedS.toFixed(1)} s, ${heard.concealedS.toFixed(2)} s made up), ` +
            `${b.audioPackets - a.audioPackets} packets, concealed ${(concealed * 100).toFixed(1)} %`,
        );
        if (audio.samples < WATCH_MS / 1500) failures.push(`${p.name}: too few samples (${audio.samples})`);
        for (const b of heard.breaks) {
          if (b.ms <= AUDIO_BREAK_MS) continue;
          const what = `${p.name} ← ${names[j]}: audio broke up (${Math.round(b.ms)} ms made up within ${Math.round(b.to - b.from)} ms)`;
          const overlaps = (s: Span) => s.to > b.from - 1000 && s.from < b.to;
          const evidence = [
            ...starved[j]!.filter(overlaps).map((s) => `${names[j]}'s page (sender) got no CPU for ${Math.round(s.to - s.from)} ms`),
            ...starved[i]!.filter(overlaps).map((s) => `${p.name}'s page (listener) got no CPU for ${Math.round(s.to - s.from)} ms`),
            ...captureStarved[j]!.filter(overlaps).map((s) => `${names[j]}'s microphone (sender) delivered under half of ${Math.round(s.to - s.from)} ms`),
          ];
          if (evidence.length) t.diagnostic(`${what}, not held against the link: ${evidence.join(', ')} meanwhile`);
          else failures.push(what);
        }
        // A listener whose audio output got too little CPU plays less than the time watched:
        // that is this machine, not the link (whose audio must still carry energy, below).
        if (heard.playedS < PLAYED_SHARE_NOTED * heard.spanS) {
          t.diagnostic(`${p.name} ← ${names[j]}: played only ${heard.playedS.toFixed(1)} s in ${heard.spanS.toFixed(1)} s between its first and last read (the listener's audio output was starved)`);
        }
        if (!(b.audioEnergy > a.audioEnergy)) failures.push(`${p.name} ← ${names[j]}: no audio energy while watching`);
        if (!(b.framesDecoded > a.framesDecoded) || video.growth <= 0) failures.push(`${p.name} ← ${names[j]}: no video frames decoded while watching`);
      }
      const total = wireKbps;
      t.diagnostic(`${p.name} sends ${total} kbit/s in all through a ${UPLINK_KBPS} kbit/s uplink`);
      const stalls = [...starved[i]!.map((s) => `page ${Math.round(s.to - s.from)} ms`), ...captureStarved[i]!.map((s) => `microphone ${Math.round(s.to - s.from)} ms`)];
      t.diagnostic(`${p.name}'s browser starved (over ${STARVED_MS} ms): ${stalls.join(', ') || 'never'}; microphone delivered ${capturedSeconds(samples, from, to)} s`);
      if (total > UPLINK_KBPS) failures.push(`${p.name} sent ${total} kbit/s through a ${UPLINK_KBPS} kbit/s uplink`);
    }
    assert.deepEqual(failures, []);
  });
});

/** Seconds of audio the page's microphone delivered between the first and last sample in [from, to], of how many. */
function capturedSeconds(samples: Sample[], from: number, to: number): string {
  const c = samples.filter((s) => s.t >= from && s.t <= to && s.captured).map((s) => s.captured!);
  if (c.length < 2) return 'unknown';
  return `${(c.at(-1)!.s - c[0]!.s).toFixed(1)} of ${((c.at(-1)!.at - c[0]!.at) / 1000).toFixed(1)}`;
}

const kbps = (bytes: number, seconds: number): number => Math.round((bytes * 8) / seconds / 1000);

/** Cumulative counters of one link, read from one page. */
interface LinkCounters {
  t: number;
  /** Selected candidate pair: every byte and packet sent on the link (RTP, RTCP, STUN). */
  pairBytes: number;
  pairPackets: number;
  videoBytes: number;
  audioBytes: number;
  sentHeight: number | null;
  sentFps: number | null;
  limitation: string;
  /** The budget's decision for our camera on this link, in words. */
  budget: string;
  framesDecoded: number;
  audioPackets: number;
  audioEnergy: number;
  concealed: number;
  totalSamples: number;
}

/** Per remote peer id: what `page` sent to it and received from it so far. */
async function linkCounters(page: Page): Promise<Record<string, LinkCounters>> {
  return page.evaluate(async () => {
    type Hook = {
      peerConnections(): Map<string, RTCPeerConnection>;
      budget(id: string): { outgoing: { camera: { active: boolean; height: number; maxBitrate: number; reason: string } | null } | null } | null;
    };
    const hook = (window as unknown as { __meshmeet: Hook }).__meshmeet;
    const out: Record<string, unknown> = {};
    for (const [id, pc] of hook.peerConnections()) {
      const c = {
        t: Date.now(), pairBytes: 0, pairPackets: 0, videoBytes: 0, audioBytes: 0, sentHeight: null as number | null, sentFps: null as number | null,
        limitation: '?', budget: '?', framesDecoded: 0, audioPackets: 0, audioEnergy: 0, concealed: 0, totalSamples: 0,
      };
      const byId = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((s: Record<string, unknown>) => byId.set(s.id as string, s));
      for (const s of byId.values()) {
        if (s.type === 'transport' && s.selectedCandidatePairId) {
          const pair = byId.get(s.selectedCandidatePairId as string);
          c.pairBytes += Number(pair?.bytesSent ?? 0);
          c.pairPackets += Number(pair?.packetsSent ?? 0);
        }
        if (s.type === 'outbound-rtp' && s.kind === 'video') {
          c.videoBytes += Number(s.bytesSent ?? 0) + Number(s.headerBytesSent ?? 0);
          c.sentHeight = (s.frameHeight as number | undefined) ?? c.sentHeight;
          c.sentFps = (s.framesPerSecond as number | undefined) ?? c.sentFps;
          c.limitation = String(s.qualityLimitationReason ?? '?');
        }
        if (s.type === 'outbound-rtp' && s.kind === 'audio') c.audioBytes += Number(s.bytesSent ?? 0) + Number(s.headerBytesSent ?? 0);
        if (s.type === 'inbound-rtp' && s.kind === 'video') c.framesDecoded += Number(s.framesDecoded ?? 0);
        if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          c.audioPackets += Number(s.packetsReceived ?? 0);
          c.audioEnergy += Number(s.totalAudioEnergy ?? 0);
          c.concealed += Number(s.concealedSamples ?? 0);
          c.totalSamples += Number(s.totalSamplesReceived ?? 0);
        }
      }
      const cam = hook.budget(id)?.outgoing?.camera;
      c.budget = cam ? (cam.active ? `${cam.height}p ≤ ${Math.round(cam.maxBitrate / 1000)} kbit/s (${cam.reason})` : `paused (${cam.reason})`) : 'none yet';
      out[id] = c;
    }
    return out as Record<string, never>;
  });
}

/** Page time of the first and last sample the page's monitor took. */
async function monitorSpan(page: Page): Promise<{ first: number; last: number }> {
  return page.evaluate(() => {
    const s = (window as unknown as { __labMonitor?: { samples: { t: number }[] } }).__labMonitor?.samples ?? [];
    return { first: s[0]?.t ?? Infinity, last: s.at(-1)?.t ?? -Infinity };
  });
}

/** What one page shows of one remote participant: tile, connection, decoded frames, audio. */
interface PairState {
  tile: boolean;
  state: string;
  framesDecoded: number;
  videoWidth: number;
  audioPackets: number;
}

/** Per remote peer id, what `page` has of it. */
async function pairStates(page: Page): Promise<Record<string, PairState>> {
  return page.evaluate(async () => {
    type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
    const hook = (window as unknown as { __meshmeet: Hook }).__meshmeet;
    const out: Record<string, PairState> = {};
    for (const [id, pc] of hook.peerConnections()) {
      const tile = document.querySelector(`[data-testid="participant-tile"][data-peer-id="${id}"]`);
      const video = tile?.querySelector('video');
      const st: PairState = { tile: !!tile, state: pc.connectionState, framesDecoded: 0, videoWidth: video?.videoWidth ?? 0, audioPackets: 0 };
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') st.framesDecoded += Number(s.framesDecoded ?? 0);
        if (s.type === 'inbound-rtp' && s.kind === 'audio') st.audioPackets += Number(s.packetsReceived ?? 0);
      });
      out[id] = st;
    }
    return out;
  });
}

/**
 * Waits until every page shows a tile for every other participant, is connected to it,
 * and sees its frames (video size known) and audio packets grow between two polls.
 * Prints which pairs are still missing now and then, so a slow start says where it is.
 */
async function everyoneDecodesEveryone(people: LabPerson[], ids: string[]): Promise<void> {
  let prev: Record<string, PairState>[] | undefined;
  let lastLog = 0;
  await waitFor(
    'every page decoding video and receiving audio from every other page',
    async () => {
      const now = await Promise.all(people.map((p) => pairStates(p.page)));
      const missing: string[] = [];
      for (const [i, p] of people.entries()) {
        for (const [j, id] of ids.entries()) {
          if (i === j) continue;
          const a = prev?.[i]?.[id];
          const b = now[i]![id];
          const why = !b
            ? 'no connection'
            : !b.tile
              ? 'no tile'
              : b.state !== 'connected'
                ? b.state
                : !(a && b.framesDecoded > a.framesDecoded && b.videoWidth > 0)
                  ? `frames ${b.framesDecoded}`
                  : !(b.audioPackets > a.audioPackets)
                    ? `audio ${b.audioPackets}`
                    : '';
          if (why) missing.push(`${p.name}←${people[j]!.name}: ${why}`);
        }
      }
      prev = now;
      if (missing.length && Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        const status = await Promise.all(people.map((p) => p.page.evaluate(() => {
          const h = (window as unknown as { __meshmeet: { status(): unknown; selfId(): string | null } }).__meshmeet;
          return `${JSON.stringify(h.status())} ${h.selfId()}`;
        })));
        stage(`waiting: ${missing.join(', ')}; ids ${ids.join(' ')}; status ${status.join(' | ')}`);
      }
      return missing.length === 0;
    },
    { timeoutMs: 45_000, intervalMs: 1000 },
  );
}

/** Every 4 s, prints what each page sends in all (kbit/s), each link's available bitrate, and its router's drops. */
function traceLinks(people: LabPerson[]): { stop(): void } {
  const last = new Map<string, { t: number; bytes: number }>();
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const lines = await Promise.all(
        people.map(async (p) => {
          const r = await p.page.evaluate(async () => {
            type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
            let bytes = 0;
            const avail: number[] = [];
            for (const pc of (window as unknown as { __meshmeet: Hook }).__meshmeet.peerConnections().values()) {
              const byId = new Map<string, Record<string, unknown>>();
              (await pc.getStats()).forEach((s: Record<string, unknown>) => byId.set(s.id as string, s));
              for (const s of byId.values()) {
                if (s.type !== 'transport' || !s.selectedCandidatePairId) continue;
                const pair = byId.get(s.selectedCandidatePairId as string);
                bytes += Number(pair?.bytesSent ?? 0);
                avail.push(Math.round(Number(pair?.availableOutgoingBitrate ?? 0) / 1000));
              }
            }
            return { t: Date.now(), bytes, avail };
          });
          const prev = last.get(p.name);
          last.set(p.name, { t: r.t, bytes: r.bytes });
          const rate = prev ? Math.round(((r.bytes - prev.bytes) * 8) / (r.t - prev.t)) : NaN;
          const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', p.net.routerNs, 'tc', '-s', 'qdisc', 'show', 'dev', 'wan']);
          const dropped = /dropped (\d+)/.exec(stdout)?.[1];
          return `${p.name} ${rate} kbit/s avail ${r.avail.join('/')} drops ${dropped}`;
        }),
      );
      stage(`trace: ${lines.join(' | ')}`);
    } catch (err) {
      stage(`trace failed: ${(err as Error).message}`);
    } finally {
      busy = false;
    }
  }, 4000);
  return { stop: () => clearInterval(timer) };
}
