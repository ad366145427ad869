/**
 * What a user (and a careful observer) sees in a call: the pre-join form, the tiles, and —
 * through the debug hook `window.__meshmeet.peerConnections()` — each connection's getStats.
 * Every wait is bounded; CI shares two cores between up to five Chromium pages. Used by
 * the e2e journeys and the browser benchmarks (`@meshmeet/testkit/call`).
 */
import type { Page } from 'playwright-core';
import { scaled } from './slowness.js';
import { waitFor } from './wait.js';

/** Default bound (on an idle machine; scaled by the slowness factor) for "something should happen in the call" waits. */
export const CALL_TIMEOUT_MS = 30_000;

/** Fills Room and Name, clicks Join and waits until the in-call Leave button shows. */
export async function joinRoom(page: Page, opts: { room: string; nick: string }): Promise<void> {
  await page.getByLabel('Room', { exact: true }).fill(opts.room);
  await page.getByLabel('Name', { exact: true }).fill(opts.nick);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByRole('button', { name: 'Leave', exact: true }).waitFor({ state: 'visible', timeout: scaled(CALL_TIMEOUT_MS) });
}

/** Clicks Leave and waits for the pre-join form to come back. */
export async function leaveRoom(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Leave', exact: true }).click();
  await page.getByRole('button', { name: 'Join', exact: true }).waitFor({ state: 'visible', timeout: scaled(CALL_TIMEOUT_MS) });
}

/** A participant tile as rendered. */
export interface TileInfo {
  peerId: string;
  local: boolean;
  text: string;
  videoWidth: number;
}

/** Every participant tile on the page (own tile included, flagged `local`). */
export async function tiles(page: Page): Promise<TileInfo[]> {
  return page.$$eval('[data-testid="participant-tile"]', (els) =>
    els.map((el) => {
      const video = el.querySelector('video');
      return {
        peerId: el.getAttribute('data-peer-id') ?? '',
        local: el.getAttribute('data-local') === 'true',
        text: (el as HTMLElement).innerText,
        videoWidth: video?.videoWidth ?? 0,
      };
    }),
  );
}

/** The remote participants' tiles only. */
export async function remoteTiles(page: Page): Promise<TileInfo[]> {
  return (await tiles(page)).filter((t) => !t.local);
}

/** This page's own peer id (from its local tile). */
export async function selfId(page: Page): Promise<string> {
  return waitFor('own tile with a peer id', async () => {
    const own = (await tiles(page)).find((t) => t.local && t.peerId);
    return own?.peerId;
  });
}

/** Waits until the page shows exactly `count` remote tiles; returns their peer ids. */
export async function waitForRemoteTiles(page: Page, count: number, timeoutMs = CALL_TIMEOUT_MS): Promise<string[]> {
  let last: TileInfo[] = [];
  try {
    return await waitFor(
      `${count} remote tiles`,
      async () => {
        last = await remoteTiles(page);
        return last.length === count ? last.map((t) => t.peerId) : undefined;
      },
      { timeoutMs },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; saw ${last.length}: ${JSON.stringify(last)}`);
  }
}

/** One connection's stats summary, read in the page. */
export interface PeerStats {
  connectionState: RTCPeerConnectionState | 'missing';
  framesDecoded: number;
  frameWidth: number;
  audioPacketsReceived: number;
  pair: { local: string; remote: string; protocol: string; localAddress: string; remoteAddress: string } | null;
}

/** Reads getStats of the connection to `peerId` through `window.__meshmeet`. */
export async function peerStats(page: Page, peerId: string): Promise<PeerStats> {
  return page.evaluate(readPeerStatsInPage, peerId);
}

/**
 * The in-page half of {@link peerStats}, for any driver's `evaluate` (Playwright's or
 * Puppeteer's, e.g. on Firefox).
 */
export async function readPeerStatsInPage(id: string): Promise<PeerStats> {
    type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
    const hook = (window as unknown as { __meshmeet?: Hook }).__meshmeet;
    const pc = hook?.peerConnections().get(id);
    const out = {
      connectionState: (pc?.connectionState ?? 'missing') as RTCPeerConnectionState | 'missing',
      framesDecoded: 0,
      frameWidth: 0,
      audioPacketsReceived: 0,
      pair: null as null | { local: string; remote: string; protocol: string; localAddress: string; remoteAddress: string },
    };
    if (!pc) return out;
    const report = await pc.getStats();
    const byId = new Map<string, Record<string, unknown>>();
    report.forEach((s: Record<string, unknown>) => byId.set(s.id as string, s));
    let pairId: string | undefined;
    for (const s of byId.values()) {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        out.framesDecoded += Number(s.framesDecoded ?? 0);
        out.frameWidth = Math.max(out.frameWidth, Number(s.frameWidth ?? 0));
      }
      if (s.type === 'inbound-rtp' && s.kind === 'audio') out.audioPacketsReceived += Number(s.packetsReceived ?? 0);
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId as string;
    }
    if (!pairId) {
      for (const s of byId.values()) {
        if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pairId = s.id as string;
      }
    }
    const pair = pairId ? byId.get(pairId) : undefined;
    if (pair) {
      const l = byId.get(pair.localCandidateId as string) ?? {};
      const r = byId.get(pair.remoteCandidateId as string) ?? {};
      out.pair = {
        local: String(l.candidateType),
        remote: String(r.candidateType),
        protocol: String(l.protocol),
        localAddress: String(l.address ?? l.ip),
        remoteAddress: String(r.address ?? r.ip),
      };
    }
    return out;
}

/** Peer ids the page currently holds a connection for. */
export async function connectionIds(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
    const hook = (window as unknown as { __meshmeet?: Hook }).__meshmeet;
    return hook ? [...hook.peerConnections().keys()] : [];
  });
}

/** The `videoWidth` of the <video> in `peerId`'s tile (0 when absent or not playing). */
export async function tileVideoWidth(page: Page, peerId: string): Promise<number> {
  return page
    .locator(`[data-testid="participant-tile"][data-peer-id="${peerId}"] video`)
    .first()
    .evaluate((v) => (v as HTMLVideoElement).videoWidth)
    .catch(() => 0);
}

/**
 * Waits until video from `peerId` really decodes on `page`: the connection is connected,
 * inbound `framesDecoded` grows between two reads ≥ 1 s apart, and the tile's <video> has
 * `videoWidth > 0`. Returns the last stats read.
 */
export async function waitForDecodedVideo(page: Page, peerId: string, timeoutMs = CALL_TIMEOUT_MS): Promise<PeerStats> {
  let prev: PeerStats | undefined;
  let prevAt = 0;
  let last: PeerStats | undefined;
  try {
    return await waitFor(
      `decoded video from ${peerId}`,
      async () => {
        const s = await peerStats(page, peerId);
        last = s;
        const width = await tileVideoWidth(page, peerId);
        const now = Date.now();
        const grown = prev !== undefined && now - prevAt >= 1000 && s.framesDecoded > prev.framesDecoded;
        if (!prev || now - prevAt >= 1000) {
          prev = s;
          prevAt = now;
        }
        return s.connectionState === 'connected' && s.framesDecoded > 0 && grown && width > 0 ? s : undefined;
      },
      { timeoutMs, intervalMs: 250 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last stats ${JSON.stringify(last)}`);
  }
}

/** Waits until audio packets from `peerId` keep arriving (count grows over ≥ 1 s). */
export async function waitForAudioPackets(page: Page, peerId: string, timeoutMs = CALL_TIMEOUT_MS): Promise<PeerStats> {
  let first: PeerStats | undefined;
  let firstAt = 0;
  let last: PeerStats | undefined;
  try {
    return await waitFor(
      `audio packets from ${peerId}`,
      async () => {
        const s = await peerStats(page, peerId);
        last = s;
        if (!first || s.audioPacketsReceived === 0) {
          first = s;
          firstAt = Date.now();
          return undefined;
        }
        // ~50 packets/s of Opus; 20 in a second is a conservative "it flows".
        return Date.now() - firstAt >= 1000 && s.audioPacketsReceived - first.audioPacketsReceived >= 20 ? s : undefined;
      },
      { timeoutMs, intervalMs: 250 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last stats ${JSON.stringify(last)}`);
  }
}

/** Frames decoded from `peerId` during `ms` milliseconds (for "keeps flowing" checks). */
export async function framesDecodedOver(page: Page, peerId: string, ms: number): Promise<number> {
  const a = await peerStats(page, peerId);
  await new Promise((r) => setTimeout(r, ms));
  const b = await peerStats(page, peerId);
  return b.framesDecoded - a.framesDecoded;
}

/**
 * Whether `peerId`'s tile shows a visible mark named `label` (by aria-label, title or its
 * own text), e.g. "Microphone off" — how a user tells a peer is muted.
 */
export async function tileHasMark(page: Page, peerId: string, label: string): Promise<boolean> {
  return page.evaluate(tileHasMarkInPage, { id: peerId, text: label });
}

/** The in-page half of {@link tileHasMark}, for any driver's `evaluate`. */
export function tileHasMarkInPage({ id, text }: { id: string; text: string }): boolean {
      const tile = document.querySelector(`[data-testid="participant-tile"][data-peer-id="${CSS.escape(id)}"]`);
      if (!tile) return false;
      const visible = (el: Element) => (el as HTMLElement).getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
      for (const el of tile.querySelectorAll('*')) {
        const named =
          el.getAttribute('aria-label') === text ||
          el.getAttribute('title') === text ||
          (el.children.length === 0 && (el.textContent ?? '').trim() === text);
        if (named && visible(el)) return true;
      }
      return false;
}

/** Labels of the tracks this page sends to `peerId` (e.g. `fake_device_1`), by kind. */
export async function sentTrackLabels(page: Page, peerId: string): Promise<{ audio: string[]; video: string[] }> {
  return page.evaluate((id) => {
    type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
    const pc = (window as unknown as { __meshmeet?: Hook }).__meshmeet?.peerConnections().get(id);
    const out = { audio: [] as string[], video: [] as string[] };
    for (const s of pc?.getSenders() ?? []) {
      if (s.track?.kind === 'audio') out.audio.push(s.track.label);
      if (s.track?.kind === 'video') out.video.push(s.track.label);
    }
    return out;
  }, peerId);
}

/** How often each audio track is being played by a media element on the page. */
export interface PlaybackCount {
  /** Remote peer id → how many playing, unmuted elements carry its received audio. */
  remote: Record<string, number>;
  /** Playing, unmuted elements that carry one of this page's own (sent) audio tracks. */
  ownPlayed: number;
}

/**
 * Counts, for each connection, the playing unmuted <audio>/<video> elements whose stream
 * holds that connection's received audio track, and the elements that play our own
 * microphone (which must be none: that is the echo the original demo had).
 */
export async function audioPlayback(page: Page): Promise<PlaybackCount> {
  return page.evaluate(() => {
    type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
    const pcs = (window as unknown as { __meshmeet?: Hook }).__meshmeet?.peerConnections() ?? new Map<string, RTCPeerConnection>();
    const playing = [...document.querySelectorAll<HTMLMediaElement>('audio, video')].filter(
      (el) => !el.muted && el.volume > 0 && !el.paused && el.srcObject instanceof MediaStream,
    );
    const playedIds = playing.flatMap((el) => (el.srcObject as MediaStream).getAudioTracks().map((t) => t.id));
    const remote: Record<string, number> = {};
    const own = new Set<string>();
    for (const [id, pc] of pcs) {
      const rx = pc.getReceivers().filter((r) => r.track.kind === 'audio').map((r) => r.track.id);
      remote[id] = playedIds.filter((t) => rx.includes(t)).length;
      for (const s of pc.getSenders()) if (s.track?.kind === 'audio') own.add(s.track.id);
    }
    return { remote, ownPlayed: playedIds.filter((t) => own.has(t)).length };
  });
}

/**
 * Picks the capture quality in the lobby's "Device settings" (the app remembers it), e.g.
 * 360p at 15 fps: several full-media pages share two cores in these runs.
 */
export async function setCaptureQuality(page: Page, resolution: '360p' | '720p' | '1080p', fps: 15 | 24 | 30): Promise<void> {
  const res = page.getByLabel('Resolution', { exact: true });
  const summary = page.locator('summary', { hasText: 'Device settings' });
  await summary.waitFor({ state: 'visible', timeout: scaled(CALL_TIMEOUT_MS) });
  if (!(await res.isVisible())) await summary.click({ timeout: scaled(CALL_TIMEOUT_MS) });
  await res.selectOption(resolution, { timeout: scaled(CALL_TIMEOUT_MS) });
  await page.getByLabel('Frame rate', { exact: true }).selectOption(String(fps), { timeout: scaled(CALL_TIMEOUT_MS) });
}

/** A room name unique to this run, so reruns against one server never meet old state. */
export function uniqueRoom(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** The two people of {@link twoInACall}, with their participant ids and room. */
export interface TwoInACall<P extends { page: Page }> {
  room: string;
  p: P;
  q: P;
  pId: string;
  qId: string;
}

/**
 * Opens Pia and Quinn, joins both to a fresh room named after `prefix`, and returns
 * once each decodes the other's video: the start of every two-person journey.
 */
export async function twoInACall<P extends { page: Page }>(open: (name: string) => Promise<P>, prefix: string): Promise<TwoInACall<P>> {
  const room = uniqueRoom(prefix);
  const [p, q] = await Promise.all([open('Pia'), open('Quinn')]);
  await joinRoom(p.page, { room, nick: 'Pia' });
  await joinRoom(q.page, { room, nick: 'Quinn' });
  const pId = await selfId(p.page);
  const qId = await selfId(q.page);
  await waitForDecodedVideo(p.page, qId);
  await waitForDecodedVideo(q.page, pId);
  return { room, p, q, pId, qId };
}
