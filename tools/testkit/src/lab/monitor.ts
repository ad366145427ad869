/**
 * A media timeline recorded inside the page: every `intervalMs` it reads getStats of each
 * peer connection (through the `?debug=1` hook `window.__meshmeet`) and which remote tiles
 * are shown. Journeys read it afterwards to answer "did video or audio ever stop for more
 * than N seconds?" and "did anyone's tile ever go away?" without polling from the runner.
 */
import type { Page } from 'playwright-core';

/** A stretch of time on the `Date.now()` clock (ms). */
export interface Span {
  from: number;
  to: number;
}

/** What one connection showed at one instant. */
export interface PeerSample {
  /**
   * When these counters were read (`Date.now()` clock): the getStats report's own
   * timestamp. One tick reads every connection in turn, and on a starved page one
   * `getStats()` can take seconds, so the tick's end time `Sample.t` may be far from the
   * moment another connection's counters were taken.
   */
  at?: number;
  state: RTCPeerConnectionState;
  framesDecoded: number;
  audioPackets: number;
  /**
   * Audio played out from this peer so far (`totalSamplesDuration`, seconds) and the part
   * of it that was made up because no packet was there in time (`concealedSamples` over
   * `totalSamplesReceived`, as a fraction of the samples played). Absent in older samples.
   */
  audioPlayedS?: number;
  audioConcealedS?: number;
  /** The local description's ice-ufrag (changes on every ICE restart). */
  ufrag: string;
  /** Selected pair's candidate types, e.g. `relay/host`. */
  pair: string;
}

/** One tick of the timeline. */
export interface Sample {
  /** `Date.now()` in the page (same clock as the runner). */
  t: number;
  peers: Record<string, PeerSample>;
  /**
   * Audio our microphone had delivered so far (`media-source` `totalSamplesDuration`,
   * seconds) and when that was read; absent without a microphone or in older samples.
   * Lagging wall time, it shows this browser's audio capture got no CPU.
   */
  captured?: { at: number; s: number };
  /** Peer ids of the remote tiles shown. */
  tiles: string[];
}

/** Starts (or restarts) the recorder on `page`. */
export async function startMonitor(page: Page, intervalMs = 400): Promise<void> {
  await page.evaluate(({ every, HEARTBEAT_MS, HEARTBEAT_LATE_MS }) => {
    type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
    const w = window as unknown as { __labMonitor?: { stop(): void; samples: unknown[]; stalls: unknown[] }; __meshmeet?: Hook };
    w.__labMonitor?.stop();
    const samples: unknown[] = [];
    let busy = false;
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        const peers: Record<string, unknown> = {};
        let captured: { at: number; s: number } | undefined;
        for (const [id, pc] of w.__meshmeet?.peerConnections() ?? []) {
          const asked = Date.now();
          const report = await pc.getStats();
          let at = 0;
          let framesDecoded = 0;
          let audioPackets = 0;
          let audioPlayedS = 0;
          let audioConcealedS = 0;
          let pairId = '';
          let capturedS: number | undefined;
          const byId = new Map<string, Record<string, unknown>>();
          report.forEach((s: Record<string, unknown>) => {
            byId.set(s.id as string, s);
            at = Math.max(at, Number(s.timestamp ?? 0));
            if (s.type === 'inbound-rtp' && s.kind === 'video') framesDecoded += Number(s.framesDecoded ?? 0);
            if (s.type === 'inbound-rtp' && s.kind === 'audio') {
              audioPackets += Number(s.packetsReceived ?? 0);
              const played = Number(s.totalSamplesDuration ?? 0);
              const total = Number(s.totalSamplesReceived ?? 0);
              audioPlayedS += played;
              audioConcealedS += total > 0 ? (played * Number(s.concealedSamples ?? 0)) / total : 0;
            }
            if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId as string;
            if (s.type === 'media-source' && s.kind === 'audio' && typeof s.totalSamplesDuration === 'number') capturedS = s.totalSamplesDuration;
          });
          const p = byId.get(pairId);
          const type = (cid: unknown) => String(byId.get(cid as string)?.candidateType ?? '?');
          // Report timestamps are epoch milliseconds in Chromium and relative to
          // timeOrigin in Firefox; either way they must fall within this call.
          if (at < 1e12) at += performance.timeOrigin;
          if (capturedS !== undefined && !captured) captured = { at: Date.now(), s: capturedS };
          peers[id] = {
            at: at >= asked - 1000 && at <= Date.now() + 1000 ? at : Date.now(),
            state: pc.connectionState,
            framesDecoded,
            audioPackets,
            audioPlayedS,
            audioConcealedS,
            ufrag: /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? '')?.[1] ?? '',
            pair: p ? `${type(p.localCandidateId)}/${type(p.remoteCandidateId)}` : '',
          };
        }
        const tiles = [...document.querySelectorAll('[data-testid="participant-tile"]')]
          .filter((el) => el.getAttribute('data-local') !== 'true')
          .map((el) => el.getAttribute('data-peer-id') ?? '');
        samples.push({ t: Date.now(), peers, tiles, captured });
        if (samples.length > 2400) samples.splice(0, samples.length - 2400);
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(() => void tick(), every);
    // A bare main-thread timer, awaiting nothing: when it fires late the page got no CPU
    // (a sample tick can also be late because one getStats() waited on a dead link).
    const stalls: Span[] = [];
    let beat = Date.now();
    const heartbeat = setInterval(() => {
      const now = Date.now();
      if (now - beat > HEARTBEAT_LATE_MS && stalls.length < 1000) stalls.push({ from: beat, to: now });
      beat = now;
    }, HEARTBEAT_MS);
    w.__labMonitor = {
      samples,
      stalls,
      stop: () => {
        clearInterval(timer);
        clearInterval(heartbeat);
      },
    };
  }, { every: intervalMs, HEARTBEAT_MS, HEARTBEAT_LATE_MS });
}

/** Period of the monitor's main-thread heartbeat, ms. */
const HEARTBEAT_MS = 100;
/** A heartbeat this late (ms between two beats) is recorded as a main-thread stall. */
const HEARTBEAT_LATE_MS = 500;

/**
 * Stretches (`Date.now()` clock, in order) during which the page's main thread ran no timer
 * for over {@link HEARTBEAT_LATE_MS}: the page got no CPU then, so most likely neither did
 * the rest of its browser. Only stalls over `overMs` are returned.
 */
export async function readMainThreadStalls(page: Page, overMs = HEARTBEAT_LATE_MS): Promise<Span[]> {
  const all = await page.evaluate(() => {
    const w = window as unknown as { __labMonitor?: { stalls: Span[] } };
    return w.__labMonitor?.stalls ?? [];
  });
  return all.filter((s) => s.to - s.from > overMs);
}

/** The timeline recorded so far. */
export async function readMonitor(page: Page): Promise<Sample[]> {
  return page.evaluate(() => {
    const w = window as unknown as { __labMonitor?: { samples: unknown[] } };
    return (w.__labMonitor?.samples ?? []) as never;
  });
}

/** Below this rate a counter that grew across a long sampling gap still counts as stalled. */
const MIN_RATE_PER_S = { framesDecoded: 5, audioPackets: 20 } as const;

/**
 * The longest stretch (ms) within [from, to] during which `field` of `peerId` did not
 * grow: for each sample, the time since the last sample at which it grew (an upper bound,
 * coarse by the sampling interval). A busy machine can delay the page's sampler by
 * seconds; a counter that grew across such a gap counts as flowing only if it grew at a
 * media-like rate (≥ 5 frames/s, ≥ 20 audio packets/s), else the whole gap is a stall.
 * A missing connection counts as not growing. Also returns the sample count, the largest
 * spacing between samples and the total growth, so "no gap" can be told from "no data".
 */
export function longestStall(
  samples: Sample[],
  peerId: string,
  field: 'framesDecoded' | 'audioPackets',
  from = -Infinity,
  to = Infinity,
): { stallMs: number; samples: number; growth: number; maxSpacingMs: number } {
  const within = samples.filter((s) => s.t >= from && s.t <= to);
  let stallMs = 0;
  let growth = 0;
  let maxSpacingMs = 0;
  let lastGrowth: number | undefined;
  let prev: { t: number; v: number } | undefined;
  let prevT: number | undefined;
  for (const s of within) {
    const peer = s.peers[peerId];
    // The time this peer's counters were read (older monitors recorded only the tick's).
    const t = peer?.at ?? s.t;
    if (prevT !== undefined) maxSpacingMs = Math.max(maxSpacingMs, t - prevT);
    prevT = t;
    const v = peer?.[field];
    lastGrowth ??= t;
    if (v !== undefined && prev !== undefined && v > prev.v) {
      const dt = t - prev.t;
      const media = (v - prev.v) / Math.max(dt / 1000, 1) >= MIN_RATE_PER_S[field];
      // Grown at a media-like rate: frames came throughout; count at most one second of it.
      stallMs = Math.max(stallMs, media ? Math.min(t - lastGrowth, dt, 1000) : t - lastGrowth);
      growth += v - prev.v;
      lastGrowth = t;
    } else {
      stallMs = Math.max(stallMs, t - lastGrowth);
    }
    if (v !== undefined) prev = { t, v };
  }
  return { stallMs: Math.round(stallMs), samples: within.length, growth, maxSpacingMs: Math.round(maxSpacingMs) };
}

/** What {@link longestAudioBreak} found. */
export interface AudioBreaks {
  /**
   * Longest break: audio made up (ms of concealment) over consecutive reads in each of
   * which most of what the listener played from the peer was made up.
   */
  breakMs: number;
  /**
   * Every break: when (`Date.now()` clock, the reads around it) and how much audio was
   * made up in it, in order. A listener stall inside one is part of it.
   */
  breaks: (Span & { ms: number })[];
  /**
   * Longest stretch (ms) during which the listener played almost nothing at all: its own
   * audio output was starved (a busy machine), so nothing can be said about the link then.
   */
  listenerStallMs: number;
  /** Seconds of audio played from the peer within the window, and of those made up. */
  playedS: number;
  concealedS: number;
  /** Seconds between the first and the last read counted, the time `playedS` is to be compared with. */
  spanS: number;
  samples: number;
}

/** Below this share of wall time played, an interval counts as the listener's own stall. */
const PLAYOUT_STALL = 0.25;
/** Above this share of made-up audio, an interval counts as a break the listener hears. */
const BREAK_CONCEALED = 0.5;

/**
 * Audio breaks as the listener hears them, from its playout counters rather than from
 * packet arrival: an interval between two reads belongs to a break when most of what was
 * played from `peerId` in it was concealment (packets missing or late), and is a listener
 * stall when the listener played next to nothing (its audio thread starved: on a saturated
 * machine a page can stop playing everything for seconds, which says nothing about the
 * link). A listener stall neither extends a break nor ends it. A break's length is the
 * audio made up in it, not the time between its reads: on a starved page those can be
 * seconds apart around a much shorter dropout.
 */
export function longestAudioBreak(samples: Sample[], peerId: string, from = -Infinity, to = Infinity): AudioBreaks {
  const within = samples.filter((s) => s.t >= from && s.t <= to);
  const out: AudioBreaks = { breakMs: 0, breaks: [], listenerStallMs: 0, playedS: 0, spanS: 0, concealedS: 0, samples: within.length };
  let prev: { t: number; played: number; concealed: number } | undefined;
  /** The break being measured, if any. */
  let open: (Span & { ms: number }) | undefined;
  let stalling = 0;
  for (const s of within) {
    const peer = s.peers[peerId];
    if (peer?.audioPlayedS === undefined || peer.audioConcealedS === undefined) continue;
    const t = peer.at ?? s.t;
    const now = { t, played: peer.audioPlayedS, concealed: peer.audioConcealedS };
    if (prev && t > prev.t) {
      const dtS = (t - prev.t) / 1000;
      const played = Math.max(0, now.played - prev.played);
      const concealed = Math.max(0, now.concealed - prev.concealed);
      out.playedS += played;
      out.spanS += dtS;
      out.concealedS += concealed;
      if (played < PLAYOUT_STALL * dtS) {
        stalling += t - prev.t;
      } else {
        stalling = 0;
        if (concealed > BREAK_CONCEALED * played) {
          if (!open) out.breaks.push((open = { from: prev.t, to: t, ms: 0 }));
          open.to = t;
          open.ms += concealed * 1000;
        } else {
          open = undefined;
        }
      }
      out.listenerStallMs = Math.max(out.listenerStallMs, Math.round(stalling));
    }
    prev = now;
  }
  out.breakMs = Math.round(Math.max(0, ...out.breaks.map((b) => b.ms)));
  return out;
}

/** Below this share of wall time delivered, an interval counts as a capture stall. */
const CAPTURE_STALL = 0.5;

/**
 * Stretches (`Date.now()` clock, in order) during which the page's microphone delivered
 * less than half as much audio as time passed, by over `overMs`: the browser's audio
 * capture got no CPU, so what it sent then went out late whatever the link did.
 */
export function captureStalls(samples: Sample[], overMs: number): Span[] {
  const out: Span[] = [];
  let prev: { at: number; s: number } | undefined;
  for (const { captured } of samples) {
    if (!captured) continue;
    if (prev && captured.at > prev.at) {
      const wallS = (captured.at - prev.at) / 1000;
      const missing = wallS - (captured.s - prev.s);
      if (captured.s - prev.s < CAPTURE_STALL * wallS && missing * 1000 > overMs) out.push({ from: prev.at, to: captured.at });
    }
    prev = captured;
  }
  return out;
}
