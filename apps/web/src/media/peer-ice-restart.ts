/** When and how often a failed connection is restarted. */
export interface IceRestartPolicy {
  /** Restarts tried before giving up (reset once connected). @default 5 */
  maxAttempts: number;
  /** First delay; doubles each attempt. @default 1000 */
  baseDelayMs: number;
  /** Cap of the delay. @default 15000 */
  maxDelayMs: number;
  /** A `disconnected` state this long is treated like `failed`. @default 5000 */
  disconnectedGraceMs: number;
}

/** Default {@link IceRestartPolicy}. */
export const DEFAULT_ICE_RESTART: IceRestartPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 15_000,
  disconnectedGraceMs: 5000,
};

/** What {@link IceRestarter} needs from its connection. */
export interface IceRestartHooks {
  /** The connection's current state. */
  state(): RTCPeerConnectionState;
  /** Calls `RTCPeerConnection.restartIce()` (which renegotiates). */
  restart(): void;
  /** Called when the attempts are used up; the connection stays failed. */
  gaveUp(attempts: number): void;
}

/**
 * Decides when to restart ICE: at once-ish (with exponential backoff) after `failed`,
 * after a grace period for `disconnected` (which often heals by itself), never more
 * than `maxAttempts` times in a row. Both sides may restart at once: the resulting
 * offers collide and perfect negotiation settles it.
 */
export class IceRestarter {
  private readonly policy: IceRestartPolicy;
  private attempts = 0;
  private reportedGiveUp = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    policy: Partial<IceRestartPolicy> | undefined,
    private readonly hooks: IceRestartHooks,
  ) {
    this.policy = { ...DEFAULT_ICE_RESTART, ...policy };
  }

  /** Feed every `connectionstatechange` here. */
  onState(state: RTCPeerConnectionState): void {
    if (state === 'connected') {
      this.attempts = 0;
      this.reportedGiveUp = false;
      this.clear();
    } else if (state === 'failed') {
      this.schedule(this.backoff());
    } else if (state === 'disconnected') {
      this.schedule(this.policy.disconnectedGraceMs);
    }
  }

  /** A restart was requested from outside (e.g. signaling came back): start counting afresh. */
  reset(): void {
    this.attempts = 0;
    this.reportedGiveUp = false;
  }

  /** Stops any pending restart. */
  dispose(): void {
    this.clear();
  }

  private backoff(): number {
    return Math.min(this.policy.baseDelayMs * 2 ** this.attempts, this.policy.maxDelayMs);
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    if (this.attempts >= this.policy.maxAttempts) {
      // Report once per episode, not on every later state change.
      if (!this.reportedGiveUp) this.hooks.gaveUp(this.attempts);
      this.reportedGiveUp = true;
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      const state = this.hooks.state();
      if (state !== 'failed' && state !== 'disconnected') return;
      this.attempts += 1;
      this.hooks.restart();
      // If this attempt fails too, the next check (or `failed` event) schedules another.
      this.schedule(this.backoff());
    }, delayMs);
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
