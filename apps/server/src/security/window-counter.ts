/**
 * Counts events per key in fixed windows of `windowMs` (e.g. wrong passwords per client
 * address per 5 minutes). Memory is bounded by the keys active in the current window:
 * a key's count is dropped once its window is over.
 */
export class WindowCounter {
  private readonly counts = new Map<string, { n: number; resetAt: number }>();
  private lastSweep = 0;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The count of `key` in its current window. */
  count(key: string): number {
    const entry = this.counts.get(key);
    return entry && entry.resetAt > this.now() ? entry.n : 0;
  }

  /** Adds `by` (may be negative, never below 0) to `key`'s count; returns the new count. */
  add(key: string, by = 1): number {
    const t = this.now();
    this.sweep(t);
    let entry = this.counts.get(key);
    if (!entry || entry.resetAt <= t) {
      entry = { n: 0, resetAt: t + this.windowMs };
      this.counts.set(key, entry);
    }
    entry.n = Math.max(0, entry.n + by);
    return entry.n;
  }

  /** Milliseconds until `key`'s window ends (0 when it has no count). */
  retryAfterMs(key: string): number {
    const entry = this.counts.get(key);
    return entry ? Math.max(0, entry.resetAt - this.now()) : 0;
  }

  /** Drops finished windows, at most once per window, so the map cannot grow without bound. */
  private sweep(t: number): void {
    if (t - this.lastSweep < this.windowMs) return;
    this.lastSweep = t;
    for (const [key, entry] of this.counts) if (entry.resetAt <= t) this.counts.delete(key);
  }
}
