import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { RelayLimits } from '../rooms/relay-service.js';

/** How often the loop probe runs, ms. */
const PROBE_MS = 10;
/** Window over which the loop's busy share is measured, ms. */
const BUSY_WINDOW_MS = 200;
/** Busy share of the event loop above which the node counts as saturated. */
const SATURATED = 0.9;
/**
 * Relays per window below which nothing is shed: refusing a few relays would not relieve a
 * loop that is busy with something else (start-up, a burst of joins, a long GC).
 */
const MIN_RELAYS_PER_WINDOW = 100;

/**
 * The node-wide budget of the relay path:
 * - `inFlight`: relays waiting on the store or on Redis, capped at `maxInFlight`, so a slow
 *   Redis cannot make the node hold an unbounded queue of payloads and promises;
 * - overload: the node is saturated by relays (its event loop was busy more than 90 % of
 *   the last ~200 ms, so it has no idle time left, while at least 100 relays came in) and
 *   the current turn of the loop has run longer
 *   than `maxLoopDelayMs`, so frames read now waited at least that long. Relays are then
 *   refused with a cheap error ack until the loop catches up: the excess is answered at
 *   once, latency stays bounded, and the node keeps reading its sockets, its Redis
 *   subscriber and the clients' heartbeats instead of letting queues grow. A single burst
 *   on an otherwise idle node, or a machine that is merely busy with other processes, is
 *   not saturation and sheds nothing.
 */
export class NodeRelayLimits implements RelayLimits {
  inFlight = 0;
  private lastTurn: number;
  private saturated = false;
  private relaysInWindow = 0;
  private windowStart: number;
  private probe: NodeJS.Timeout | null = null;

  /**
   * @param clock the loop's clock; tests pass a fake one and call {@link sample} themselves.
   * @param probeEveryMs how often {@link sample} runs on a timer while relays flow; null:
   *   never (tests).
   */
  constructor(
    readonly maxInFlight: number,
    private readonly maxLoopDelayMs: number,
    private readonly clock: LoopClock = eventLoopClock(),
    private readonly probeEveryMs: number | null = PROBE_MS,
  ) {
    this.lastTurn = this.windowStart = clock.now();
  }

  /**
   * One probe: a timer callback runs between turns of the loop, so now marks the start of
   * a new turn; once per window it also decides whether the node is saturated. A window
   * without a relay stops the timer: on this kind of virtual machine every wake-up of an
   * idle process costs tens of microseconds, and a 10 ms timer kept a node with nothing
   * to relay waking 100 times a second.
   */
  sample(): void {
    const now = this.clock.now();
    this.lastTurn = now;
    if (now - this.windowStart < BUSY_WINDOW_MS) return;
    const busy = this.clock.busyShare();
    this.saturated = this.relaysInWindow >= MIN_RELAYS_PER_WINDOW && busy > SATURATED;
    if (this.relaysInWindow === 0) this.stop();
    this.relaysInWindow = 0;
    this.windowStart = now;
  }

  /**
   * Asked once per relay: true while the node is saturated and the current turn of its
   * loop has run past the budget (the relay should be refused). The first relay after a
   * quiet spell starts the probe, and its window, from this turn.
   */
  overloaded(): boolean {
    if (!this.probe && this.probeEveryMs !== null) this.startProbe(this.probeEveryMs);
    this.relaysInWindow++;
    return this.saturated && this.clock.now() - this.lastTurn > this.maxLoopDelayMs;
  }

  /** Whether the probe's timer is running (it runs only while relays flow). */
  get probing(): boolean {
    return this.probe !== null;
  }

  private startProbe(everyMs: number): void {
    this.lastTurn = this.windowStart = this.clock.now();
    this.clock.busyShare(); // the window's busy share counts from now
    this.saturated = false;
    this.relaysInWindow = 0;
    this.probe = setInterval(() => this.sample(), everyMs);
    this.probe.unref();
  }

  /** Stops the probe (a quiet window, or node shutdown); the next relay starts it again. */
  stop(): void {
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
  }
}

/** Time and event-loop busyness as {@link NodeRelayLimits} sees them. */
export interface LoopClock {
  /** Monotonic ms. */
  now(): number;
  /** Share of time (0..1) the event loop was busy since the previous call. */
  busyShare(): number;
}

/** The real loop: `performance.now()` and Node's event-loop utilization. */
export function eventLoopClock(): LoopClock {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return {
    now: () => performance.now(),
    busyShare: () => {
      const current = performance.eventLoopUtilization();
      const share = performance.eventLoopUtilization(current, last).utilization;
      last = current;
      return share;
    },
  };
}
