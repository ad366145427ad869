/**
 * "Join click → first decoded remote frame", measured inside the joining page so no
 * test-driver latency is counted: the click and the frame are both timed with the page's
 * own `performance.now()`.
 */
import type { Page } from 'playwright-core';

/** One trial's timings in ms after the click; `null` when that frame never came. */
export interface FrameTiming {
  /** First decoded frame from any remote participant. */
  first: number | null;
  /** By when a frame from each of `expectRemotes` participants had decoded. */
  all: number | null;
}

/**
 * Clicks Join in `page` (Room and Name already filled) and resolves when `expectRemotes`
 * remote tiles have shown a decoded frame, or after `timeoutMs`.
 *
 * A remote frame counts when the tile's <video> reports it: the first of
 * `requestVideoFrameCallback`, `loadeddata`/`resize`, or a poll seeing `videoWidth > 0`
 * — all of which need a decoded frame.
 */
export async function clickJoinAndTimeFirstFrame(page: Page, expectRemotes: number, timeoutMs = 10_000): Promise<FrameTiming> {
  return page.evaluate(
    ({ expectRemotes, timeoutMs }) =>
      new Promise<{ first: number | null; all: number | null }>((resolve) => {
        const seen = new Map<string, number>();
        const hooked = new WeakSet<HTMLVideoElement>();
        let t0 = 0;
        const finish = () => {
          clearInterval(poll);
          clearTimeout(timer);
          const times = [...seen.values()];
          resolve({
            first: times.length ? Math.min(...times) - t0 : null,
            all: times.length >= expectRemotes ? Math.max(...times) - t0 : null,
          });
        };
        const mark = (peer: string, at: number) => {
          if (!peer || seen.has(peer)) return;
          seen.set(peer, at);
          if (seen.size >= expectRemotes) finish();
        };
        const scan = () => {
          const remoteTiles = document.querySelectorAll('[data-testid="participant-tile"]:not([data-local="true"])');
          for (const tile of remoteTiles) {
            const peer = tile.getAttribute('data-peer-id') ?? '';
            const video = tile.querySelector('video');
            if (!video) continue;
            if (video.videoWidth > 0) mark(peer, performance.now());
            if (hooked.has(video)) continue;
            hooked.add(video);
            const onFrame = () => mark(peer, performance.now());
            video.addEventListener('loadeddata', onFrame, { once: true });
            video.addEventListener('resize', () => video.videoWidth > 0 && onFrame(), { once: true });
            video.requestVideoFrameCallback?.(() => onFrame());
          }
        };
        const poll = setInterval(scan, 4);
        const timer = setTimeout(finish, timeoutMs);
        const button = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Join');
        if (!button) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve({ first: null, all: null });
          return;
        }
        t0 = performance.now();
        button.click();
      }),
    { expectRemotes, timeoutMs },
  );
}

/** Waits until the lobby preview shows camera frames (so the trial excludes camera start-up). */
export async function waitForPreview(page: Page, timeoutMs = 15_000): Promise<void> {
  await page.waitForFunction(() => [...document.querySelectorAll('video')].some((v) => v.videoWidth > 0), undefined, {
    timeout: timeoutMs,
    polling: 50,
  });
}

/** Percentile (nearest-rank) of `values`; `null` for an empty list. */
export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/**
 * Nearest-rank percentile over every trial: `failures` trials that never produced a frame
 * rank after all the finished ones (as +∞), so a timed-out trial can only push a figure up,
 * never vanish from it. `Infinity` when the rank falls on a failure; `null` with no trials.
 */
export function percentileCountingFailures(values: number[], failures: number, p: number): number | null {
  return percentile([...values, ...Array.from({ length: failures }, () => Infinity)], p);
}
