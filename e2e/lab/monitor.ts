/**
 * A media timeline recorded inside the page: every `intervalMs` it reads getStats of each
 * peer connection (through the `?debug=1` hook `window.__meshmeet`) and which remote tiles
 * are shown. Journeys read it afterwards to answer "did video or audio ever stop for more
 * than N seconds?" and "did anyone's tile ever go away?" without polling from the runner.
 */
import type { Page } from 'playwright-core';

/** What one connection showed at one instant. */
export interface PeerSample {
  state: RTCPeerConnectionState;
  framesDecoded: number;
  audioPackets: number;
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
  /** Peer ids of the remote tiles shown. */
  tiles: string[];
}

/** Starts (or restarts) the recorder on `page`. */
export async function startMonitor(page: Page, intervalMs = 400): Promise<void> {
  await page.evaluate((every) => {
    type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
    const w = window as unknown as { __labMonitor?: { stop(): void; samples: unknown[] }; __meshmeet?: Hook };
    w.__labMonitor?.stop();
    const samples: unknown[] = [];
    let busy = false;
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        const peers: Record<string, unknown> = {};
        for (const [id, pc] of w.__meshmeet?.peerConnections() ?? []) {
          const report = await pc.getStats();
          let framesDecoded = 0;
          let audioPackets = 0;
          let pairId = '';
          const byId = new Map<string, Record<string, unknown>>();
          report.forEach((s: Record<string, unknown>) => {
            byId.set(s.id as string, s);
            if (s.type === 'inbound-rtp' && s.kind === 'video') framesDecoded += Number(s.framesDecoded ?? 0);
            if (s.type === 'inbound-rtp' && s.kind === 'audio') audioPackets += Number(s.packetsReceived ?? 0);
            if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId as string;
          });
          const p = byId.get(pairId);
          const type = (cid: unknown) => String(byId.get(cid as string)?.candidateType ?? '?');
          peers[id] = {
            state: pc.connectionState,
            framesDecoded,
            audioPackets,
            ufrag: /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? '')?.[1] ?? '',
            pair: p ? `${type(p.localCandidateId)}/${type(p.remoteCandidateId)}` : '',
          };
        }
        const tiles = [...document.querySelectorAll('[data-testid="participant-tile"]')]
          .filter((el) => el.getAttribute('data-local') !== 'true')
          .map((el) => el.getAttribute('data-peer-id') ?? '');
        samples.push({ t: Date.now(), peers, tiles });
        if (samples.length > 2400) samples.splice(0, samples.length - 2400);
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(() => void tick(), every);
    w.__labMonitor = { samples, stop: () => clearInterval(timer) };
  }, intervalMs);
}

/** The timeline recorded so far. */
export async function readMonitor(page: Page): Promise<Sample[]> {
  return page.evaluate(() => {
    const w = window as unknown as { __labMonitor?: { samples: unknown[] } };
    return (w.__labMonitor?.samples ?? []) as never;
  });
}

/**
 * The longest stretch (ms) within [from, to] during which `field` of `peerId` did not
 * grow: for each sample, the time since the last sample at which it grew (so a value is
 * an upper bound, coarse by the sampling interval). A missing connection counts as not
 * growing. Also returns the number of samples and the total growth, so a caller can tell
 * "no gap" from "no data".
 */
export function longestStall(
  samples: Sample[],
  peerId: string,
  field: 'framesDecoded' | 'audioPackets',
  from = -Infinity,
  to = Infinity,
): { stallMs: number; samples: number; growth: number } {
  const within = samples.filter((s) => s.t >= from && s.t <= to);
  let stallMs = 0;
  let growth = 0;
  let lastGrowth: number | undefined;
  let prev: number | undefined;
  for (const s of within) {
    const v = s.peers[peerId]?.[field];
    lastGrowth ??= s.t;
    stallMs = Math.max(stallMs, s.t - lastGrowth);
    if (v !== undefined && prev !== undefined && v > prev) {
      growth += v - prev;
      lastGrowth = s.t;
    }
    if (v !== undefined) prev = v;
  }
  return { stallMs, samples: within.length, growth };
}
