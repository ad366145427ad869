/**
 * What one page received and sent during a measuring window, read in the page from every
 * connection's getStats (through the app's debug hook `window.__meshmeet`) every
 * {@link POLL_MS}: per remote participant, frames decoded, the gaps between new frames
 * (a gap over 1 s is a freeze), audio samples concealed; and the bytes this page sent.
 */
import type { Page } from 'playwright-core';

/** How often the page polls getStats while measuring. */
export const POLL_MS = 250;
/** A gap between two decoded frames longer than this is a freeze. */
export const FREEZE_MS = 1000;

/** One remote stream as seen by one page over the window. */
export interface StreamWindow {
  from: string;
  fps: number;
  freezes: number;
  /**
   * Of those freezes, how many spanned a stall of the sampler itself: no poll ran during
   * the gap, so the page's own timers, not necessarily the stream, stopped for over 1 s.
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
  /** Longest time between two polls (ms): how long the page's own loop stalled. */
  longestPollGapMs: number;
}

/** Starts polling in the page (idempotent per page load). */
export async function startSampler(page: Page): Promise<void> {
  await page.evaluate(
    ({ pollMs, freezeMs }) => {
      type Hook = { peerConnections(): Map<string, RTCPeerConnection> };
      type Stream = { decoded: number; frames: number; lastChange: number; gaps: number[]; unobserved: number; frozen0: number; frozen: number; conc0: number; samp0: number; conc: number; samp: number; height: number };
      const w = window as unknown as { __meshmeet?: Hook; __meshBench?: unknown };
      const started = performance.now();
      const state = { started, lastPoll: started, longestPollGap: 0, sent0: -1, sent: 0, streams: new Map<string, Stream>(), timer: 0 as unknown, stopped: false, polling: Promise.resolve() };
      // One poll at a time: on a starved page getStats can take longer than the interval,
      // and overlapping polls would apply their counts out of order.
      const poll = async () => {
        const pcs = w.__meshmeet?.peerConnections() ?? new Map<string, RTCPeerConnection>();
        let sent = 0;
        const reports = await Promise.all([...pcs].map(async ([id, pc]) => [id, await pc.getStats()] as const));
        const now = performance.now();
        const previousPoll = state.lastPoll;
        state.longestPollGap = Math.max(state.longestPollGap, now - previousPoll);
        state.lastPoll = now;
        reports.forEach(([id, report]) => {
          let frames = 0;
          let conc = 0;
          let samp = 0;
          let height = 0;
          let frozen = 0;
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
          let st = state.streams.get(id);
          if (!st) {
            st = { decoded: 0, frames, lastChange: now, gaps: [], unobserved: 0, frozen0: frozen, frozen, conc0: conc, samp0: samp, conc, samp, height };
            state.streams.set(id, st);
          }
          // A rebuilt connection starts its counters again at 0: what it shows is all new.
          const grown = frames >= st.frames ? frames - st.frames : frames;
          if (grown > 0) {
            const gap = now - st.lastChange;
            st.gaps.push(gap);
            // No poll between the last frame seen and this one: the page did not look.
            if (gap > freezeMs && st.lastChange >= previousPoll) st.unobserved++;
            st.lastChange = now;
          }
          // A rebuilt connection restarts its freeze total as well: keep what the old one had.
          if (frozen < st.frozen) st.frozen0 -= st.frozen;
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
      loop();
      w.__meshBench = { state, poll };
    },
    { pollMs: POLL_MS, freezeMs: FREEZE_MS },
  );
}

/** Stops polling and returns the page's window. */
export async function stopSampler(page: Page): Promise<PageWindow> {
  return page.evaluate(
    async ({ freezeMs }) => {
      type Stream = { decoded: number; frames: number; lastChange: number; gaps: number[]; unobserved: number; frozen0: number; frozen: number; conc0: number; samp0: number; conc: number; samp: number; height: number };
      type State = { started: number; longestPollGap: number; sent0: number; sent: number; streams: Map<string, Stream>; timer: number; stopped: boolean; polling: Promise<void> };
      const bench = (window as unknown as { __meshBench: { state: State; poll: () => Promise<void> } }).__meshBench;
      bench.state.stopped = true;
      clearTimeout(bench.state.timer);
      await bench.state.polling; // the last poll comes after any poll under way
      await bench.poll();
      const now = performance.now();
      const seconds = (now - bench.state.started) / 1000;
      const streams = [...bench.state.streams].map(([from, s]) => {
        // The time since the last frame counts too: a stream stuck at the end froze.
        const gaps = [...s.gaps, now - s.lastChange];
        const frozen = gaps.filter((g) => g > freezeMs);
        const samples = s.samp - s.samp0;
        return {
          from,
          fps: s.decoded / seconds,
          freezes: frozen.length,
          frozenMs: frozen.reduce((sum, g) => sum + g, 0),
          rendererFrozenMs: s.frozen - s.frozen0,
          unobserved: s.unobserved,
          concealment: samples > 0 ? (s.conc - s.conc0) / samples : null,
          height: s.height,
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
