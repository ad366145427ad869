/**
 * A token bucket: `burst` tokens at once, refilled at `ratePerS`. Checked synchronously
 * per event, so a flooding socket costs the server one subtraction per dropped event.
 * A token is one event, or one byte for a bytes budget ({@link take} with a cost).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes `cost` tokens (default one); false, taking nothing, when fewer are left (the event must be refused). */
  take(cost = 1): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerS);
    this.last = t;
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}
