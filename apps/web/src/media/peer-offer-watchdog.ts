/** How long an offer may wait for its answer before it is rolled back (docs/protocol.md). */
export const DEFAULT_OFFER_TIMEOUT_MS = 10_000;

/** What {@link OfferWatchdog} needs from its connection. */
export interface OfferWatchdogHooks {
  /**
   * Runs `task` in the connection's inbound order, after every signal already received:
   * an answer that arrived just before the deadline is applied first and wins.
   */
  serialize(task: () => Promise<void>): void;
  /** Whether `sdp` is still our local offer with no answer (and the connection still usable). */
  unanswered(sdp: string): boolean;
  /** Rolls the unanswered offer back; any failure is the connection's to handle. */
  rollBack(): Promise<void>;
}

/**
 * Rolls back an offer that was never answered. An offer lost on the way (a signaling
 * reconnect, a dropped message) would otherwise leave the connection in
 * `have-local-offer` for good, and no later renegotiation could start. After the
 * rollback, `negotiationneeded` fires again for the transceiver changes the offer
 * carried, so the offer is made again.
 *
 * One offer is watched at a time: arming again replaces the previous deadline. The
 * check at the deadline compares the SDP, so a newer offer is never rolled back for an
 * older one's timeout.
 */
export class OfferWatchdog {
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly hooks: OfferWatchdogHooks,
    private readonly timeoutMs = DEFAULT_OFFER_TIMEOUT_MS,
  ) {}

  /** Starts the deadline for the offer just sent (`sdp`). */
  arm(sdp: string): void {
    this.clear();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.hooks.serialize(async () => {
        if (this.hooks.unanswered(sdp)) await this.hooks.rollBack();
      });
    }, this.timeoutMs);
  }

  /** The offer was answered (or the connection is done): no deadline any more. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * Rolls our pending local offer back. Rejects when the connection refuses even that
 * (Chromium does, once it has refused a description). Rollback re-arms
 * `negotiationneeded` for transceiver changes, but not for an ICE restart, so a
 * connection that is not connected is asked to restart ICE again.
 */
export async function rollBackLocalOffer(pc: RTCPeerConnection): Promise<void> {
  await pc.setLocalDescription({ type: 'rollback' });
  if (pc.connectionState !== 'connected') pc.restartIce();
}
