/**
 * What one page received and sent during a measuring window. Per remote participant: the
 * frames its camera tile presented and the gaps between them (a gap over 1 s is a freeze),
 * from `requestVideoFrameCallback` on the tile's `<video>`; and from every connection's
 * getStats (through the app's debug hook `window.__meshmeet`) every {@link POLL_MS}: audio
 * samples concealed, WebRTC's own freeze time, the bytes this page sent.
 */
import type { Page } from 'playwright-core';

/**
 * How often the page polls getStats while measuring. Seldom on purpose: frames are counted
 * without it, and getStats is work for the page under test (see `startSampler`).
 */
export const POLL_MS = 2000;
/** A gap between two presented frames longer than this is a freeze. */
export const FREEZE_MS = 1000;
/** The remote camera tiles of the call page (see CallTile.vue). */
const REMOTE_TILES = '[data-testid="participant-tile"][data-peer-id]:not([data-local])';

/** One remote stream as seen by one page over the window. */
export interface StreamWindow {
  from: string;
  /** Frames per second the remote tile presented (what the participant saw). */
  fps: number;
  /**
   * Frames per second WebRTC decoded for it (inbound-rtp `framesDecoded`), the measure of
   * the figures before 2026-12-04; a busy renderer presents fewer than it decodes.
   */
  decodedFps: number;
  freezes: number;
  /**
   * Spans over 1 s in which a busy page saw several frames at once, none of their gaps
   * known but their mean under 1 s: a freeze may hide there, and is not counted. (Where
   * the mean is over 1 s, one freeze of the mean's length is counted.)
   */
  unobserved: number;
  /**
   * Time spent in those freezes (ms): a stream that stops for ten seconds counts one
   * freeze, as many as one that stutters once, so the count alone favours a stalled stream.
   */
  frozenMs: number;
  /**
   * Time frozen by the receiving WebRTC stack's own clock (ms): inbound-rtp
   * `totalFreezesDuration` over the window, counted where frames reach the renderer, so a
   * stalled page cannot make it up. Its freeze is relative to the stream's frame rate (a
   * frame later than max(3 × the mean frame interval, the mean + 150 ms)): stricter than
   * ours above about 3 frames a second, looser below.
   */
  rendererFrozenMs: number;
  /** Audio samples concealed / received (0..1); null when no audio arrived. */
  concealment: number | null;
  /** Height of the last decoded frame. */
  height: number;
}

/** One page's window. */
export interface PageWindow {
  seconds: number;
  streams: StreamWindow[];
  /** Everything this page sent, kbit/s. */
  uploadKbps: number;
  /** Longest time between two getStats polls (ms): how long the page's own loop stalled, at least. */
  longestPollGapMs: number;
}

// Types of the page-side state (types only, so the functions run in the page may use them).
/** Frames one remote tile presented. */
type Frames = { frames: number; lastT: number; gaps: number[]; unobserved: number };
/** What getStats said of one connection (counters at the start and now). */
type Stats = { decoded: number; frames: number; frozen0: number; frozen: number; conc0: number; samp0: number; conc: number; samp: number; height: number };

/** Starts sampling in the page (idempotent per page load). */
export async function startSampler(page: Page): Promise<void> {
  await page.evaluate(
    ({ pollMs, freezeMs, tileSelector }) => {
      type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
      type Meta = { presentedFrames: number; presentationTime: number };
      type FrameVideo = HTMLVideoElement & { requestVideoFrameCallback(cb: (now: number, meta: Meta) => void): number };
      const w = window as unknown as { __meshmeet?: Hook; __meshBench?: unknown };
      const started = performance.now();
      const state = {
        started,
        lastPoll: started,
        longestPollGap: 0,
        sent0: -1,
        sent: 0,
        frames: new Map<string, Frames>(),
        stats: new Map<string, Stats>(),
        hooked: new WeakSet<HTMLVideoElement>(),
        timer: 0 as unknown,
        stopped: false,
        polling: Promise.resolve(),
      };
      // Frames as the compositor presented them, per remote camera tile. Callbacks run on
      // the page's main thread, but each carries the compositor's presentation time and
      // count, so a busy page loses no frame: it only sees several at once.
      const hook = (video: FrameVideo, peer: string) => {
        state.hooked.add(video);
        let f = state.frames.get(peer);
        if (!f) {
          f = { frames: 0, lastT: performance.now(), gaps: [], unobserved: 0 };
          state.frames.set(peer, f);
        }
        const fr = f;
        let base = -1; // this element's presentedFrames at its first callback
        let seen = 0;
        const onFrame = (_now: number, meta: Meta) => {
          if (state.stopped) return;
          if (base < 0) base = meta.presentedFrames - 1;
          const count = meta.presentedFrames - base;
          const k = Math.max(1, count - seen);
          seen = count;
          const gap = meta.presentationTime - fr.lastT;
          fr.frames += k;
          if (k === 1) fr.gaps.push(gap);
          else if (gap / k > freezeMs) fr.gaps.push(gap / k); // one of the k gaps was at least this long
          else if (gap > freezeMs) fr.unobserved++; // a freeze may hide among frames the page did not see one by one
          fr.lastT = Math.max(fr.lastT, meta.presentationTime);
          if (video.isConnected) video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
      };
      const discover = () => {
        document.querySelectorAll<HTMLElement>(tileSelector).forEach((tile) => {
          const video = tile.querySelector('video') as FrameVideo | null;
          const peer = tile.dataset.peerId;
          if (video && peer && !state.hooked.has(video)) hook(video, peer);
        });
      };
      // getStats for what only the WebRTC stack knows (bytes, concealment, its own freeze
      // count), seldom: each call crosses to WebRTC's threads, and a room of six polling its
      // five connections four times a second made 120 calls a second (bench/README.md).
      const poll = async () => {
        discover();
        const pcs = w.__meshmeet?.peerConnections() ?? new Map<string, RTCPeerConnection>();
        let sent = 0;
        const reports = await Promise.all([...pcs].map(async ([id, pc]) => [id, await pc.getStats()] as const));
        const now = performance.now();
        state.longestPollGap = Math.max(state.longestPollGap, now - state.lastPoll);
        state.lastPoll = now;
        reports.forEach(([id, report]) => {
          let conc = 0;
          let samp = 0;
          let height = 0;
          let frozen = 0;
          let frames = 0;
          report.forEach((s: Record<string, unknown>) => {
            if (s.type === 'outbound-rtp') sent += Number(s.bytesSent ?? 0);
            if (s.type === 'inbound-rtp' && s.kind === 'video') {
              frames += Number(s.framesDecoded ?? 0);
              height = Math.max(height, Number(s.frameHeight ?? 0));
              frozen += Number(s.totalFreezesDuration ?? 0) * 1000;
            }
            if (s.type === 'inbound-rtp' && s.kind === 'audio') {
              conc += Number(s.concealedSamples ?? 0);
              samp += Number(s.totalSamplesReceived ?? 0);
            }
          });
          let st = state.stats.get(id);
          if (!st) {
            st = { decoded: 0, frames, frozen0: frozen, frozen, conc0: conc, samp0: samp, conc, samp, height };
            state.stats.set(id, st);
          }
          // A rebuilt connection restarts its counters at 0: keep what the old one had.
          if (frozen < st.frozen) st.frozen0 -= st.frozen;
          if (conc < st.conc || samp < st.samp) {
            st.conc0 -= st.conc;
            st.samp0 -= st.samp;
          }
          const grown = frames >= st.frames ? frames - st.frames : frames;
          Object.assign(st, { decoded: st.decoded + grown, frames, frozen, conc, samp, height });
        });
        if (state.sent0 < 0) state.sent0 = sent;
        state.sent = sent;
      };
      const loop = () => {
        state.timer = setTimeout(() => {
          // A poll that throws (a connection closing under it) leaves the next one to count.
          state.polling = poll().catch(() => undefined).finally(() => {
            if (!state.stopped) loop();
          });
        }, pollMs);
      };
      discover();
      state.polling = poll().catch(() => undefined);
      loop();
      w.__meshBench = { state, poll };
    },
    { pollMs: POLL_MS, freezeMs: FREEZE_MS, tileSelector: REMOTE_TILES },
  );
}

/** Stops sampling and returns the page's window. */
export async function stopSampler(page: Page): Promise<PageWindow> {
  return page.evaluate(
    async ({ freezeMs }) => {
      type State = { started: number; longestPollGap: number; sent0: number; sent: number; frames: Map<string, Frames>; stats: Map<string, Stats>; timer: number; stopped: boolean; polling: Promise<void> };
      const bench = (window as unknown as { __meshBench: { state: State; poll: () => Promise<void> } }).__meshBench;
      clearTimeout(bench.state.timer);
      await bench.state.polling; // the last poll comes after any poll under way
      await bench.poll();
      bench.state.stopped = true;
      const now = performance.now();
      const seconds = (now - bench.state.started) / 1000;
      const ids = new Set([...bench.state.frames.keys(), ...bench.state.stats.keys()]);
      const streams = [...ids].map((from) => {
        const f = bench.state.frames.get(from) ?? { frames: 0, lastT: bench.state.started, gaps: [], unobserved: 0 };
        const st = bench.state.stats.get(from);
        // The time since the last frame counts too: a stream stuck at the end froze.
        const gaps = [...f.gaps, now - f.lastT];
        const frozen = gaps.filter((g) => g > freezeMs);
        const samples = st ? st.samp - st.samp0 : 0;
        return {
          from,
          fps: f.frames / seconds,
          decodedFps: (st?.decoded ?? 0) / seconds,
          freezes: frozen.length,
          frozenMs: frozen.reduce((sum, g) => sum + g, 0),
          rendererFrozenMs: st ? st.frozen - st.frozen0 : 0,
          unobserved: f.unobserved,
          concealment: st && samples > 0 ? (st.conc - st.conc0) / samples : null,
          height: st?.height ?? 0,
        };
      });
      return {
        seconds,
        streams,
        uploadKbps: ((bench.state.sent - Math.max(0, bench.state.sent0)) * 8) / seconds / 1000,
        longestPollGapMs: bench.state.longestPollGap,
      };
    },
    { freezeMs: FREEZE_MS },
  );
}
