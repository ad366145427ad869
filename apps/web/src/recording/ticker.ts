/**
 * A steady timer for drawing the meeting canvas.
 *
 * `requestAnimationFrame` stops in background tabs and main-thread `setInterval` is
 * throttled there (to 1 Hz, and further after minutes hidden), which would freeze a
 * meeting recording whenever the user switches tabs. Timers inside a dedicated worker
 * are not throttled that way, so the worker ticks and the page draws on each message.
 * Where workers are unavailable (or blocked), main-thread `setInterval` is the fallback.
 */

/** A running ticker. */
export interface Ticker {
  /** Stop ticking and release the worker. */
  stop(): void;
  /** Whether ticks come from a worker (true) or the main-thread fallback. */
  readonly fromWorker: boolean;
}

// Ping-pong, not setInterval: the worker schedules the next tick only when the page
// has handled the previous one. A plain interval would keep posting while a busy page
// falls behind, and the queued ticks would then flood its event loop, starving input,
// rendering and the signaling socket's heartbeats (seen: "Connection lost" under load).
const WORKER_SOURCE = `let interval = 0, timer = 0, last = 0;
const tick = () => { last = performance.now(); postMessage(0); };
onmessage = (e) => {
  if (e.data === 'done') {
    if (interval > 0) timer = setTimeout(tick, Math.max(0, interval - (performance.now() - last)));
    return;
  }
  clearTimeout(timer);
  interval = e.data;
  if (interval > 0) tick();
};`;

/**
 * Call `onTick` every `intervalMs`.
 *
 * @param useWorker - set false to force the main-thread timer (tests, Node).
 */
export function startTicker(intervalMs: number, onTick: () => void, useWorker = typeof Worker !== 'undefined'): Ticker {
  const safeTick = (): void => {
    try {
      onTick();
    } catch (err) {
      console.error('[recording] tick failed', err);
    }
  };
  if (useWorker) {
    try {
      const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
      const worker = new Worker(url);
      URL.revokeObjectURL(url);
      worker.onmessage = () => {
        safeTick();
        worker.postMessage('done');
      };
      worker.postMessage(intervalMs);
      return {
        fromWorker: true,
        stop: () => {
          worker.postMessage(0);
          worker.terminate();
        },
      };
    } catch {
      // CSP or an old browser: fall back to the page timer below.
    }
  }
  // Main-thread timers do not pile up (a late interval fires once), so setInterval is fine here.
  const id = setInterval(safeTick, intervalMs);
  return { fromWorker: false, stop: () => clearInterval(id) };
}
