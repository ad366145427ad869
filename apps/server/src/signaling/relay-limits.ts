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
  private lastTurn = performance.now();
  private saturated = false;
  private relaysInWindow = 0;
  private windowStart = performance.now();
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private readonly probe: NodeJS.Timeout;

  constructor(
    readonly maxInFlight: number,
    private readonly maxLoopDelayMs: number,
  ) {
    this.probe = setInterval(() => this.onProbe(), PROBE_MS);
    this.probe.unref();
  }

  private onProbe(): void {
    const now = performance.now();
    this.lastTurn = now;
    if (now - this.windowStart < BUSY_WINDOW_MS) return;
    const elu = performance.eventLoopUtilization();
    this.saturated = this.relaysInWindow >= MIN_RELAYS_PER_WINDOW && performance.eventLoopUtilization(elu, this.elu).utilization > SATURATED;
    this.relaysInWindow = 0;
    this.elu = elu;
    this.windowStart = now;
  }

  /**
   * Asked once per relay: true while the node is saturated and the current turn of its
   * loop has run past the budget (the relay should be refused).
   */
  overloaded(): boolean {
    this.relaysInWindow++;
    return this.saturated && performance.now() - this.lastTurn > this.maxLoopDelayMs;
  }

  /** Stops the probe (node shutdown). */
  stop(): void {
    clearInterval(this.probe);
  }
}
