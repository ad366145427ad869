/**
 * Runs at most `concurrency` tasks at once with a bounded waiting line; when the line is
 * full, {@link ConcurrencyGate.run} fails at once (`null`) instead of queueing without bound.
 * A free slot goes to the waiter with the lowest `priority` (first come among equals), so
 * a caller who has failed often waits behind one who has not.
 * Used for scrypt: each hash holds a libuv thread for tens of milliseconds, and the pool
 * (4 threads) also serves file reads and DNS, so password checks must never occupy it all.
 */
export class ConcurrencyGate {
  private active = 0;
  private readonly waiting: { priority: number; start: () => void }[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly queueMax: number,
  ) {}

  /** Tasks running plus waiting now. */
  get load(): number {
    return this.active + this.waiting.length;
  }

  /** Runs `task` when a slot is free; resolves `null` without running it when the line is full. */
  async run<T>(task: () => Promise<T>, priority = 0): Promise<{ value: T } | null> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.queueMax) return null;
      await new Promise<void>((start) => {
        // Insert after every waiter of the same or a lower priority number.
        const at = this.waiting.findIndex((w) => w.priority > priority);
        this.waiting.splice(at === -1 ? this.waiting.length : at, 0, { priority, start });
      });
    } else {
      this.active++;
    }
    try {
      return { value: await task() };
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter; otherwise it is freed.
      if (next) next.start();
      else this.active--;
    }
  }
}
