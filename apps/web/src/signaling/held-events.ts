/**
 * Server events that arrive while a join (or a resume) is in flight, held back and
 * delivered right after it, so the app always sees the join result before any event
 * that depends on it (a `peer:joined` for a room it does not know it is in yet).
 */
export class HeldEvents {
  private held: Array<() => void> | null = null;

  /** From now on events wait: a join request is about to go out. */
  hold(): void {
    this.held = [];
  }

  /** Runs `deliver` now, or keeps it for {@link releaseSoon} while holding. */
  deliver(deliver: () => void): void {
    if (this.held) this.held.push(deliver);
    else deliver();
  }

  /**
   * Delivers the held events in arrival order on the next macrotask, after the join's
   * caller has handled its result. Events arriving until then wait too. A `hold()` or
   * `drop()` before then wins (those events belonged to a join that was superseded).
   */
  releaseSoon(): void {
    const held = this.held ?? [];
    this.held = held;
    setTimeout(() => {
      if (this.held !== held) return;
      this.held = null;
      for (const deliver of held) deliver();
    }, 0);
  }

  /** Forgets what is held and stops holding (the join failed or the client closed). */
  drop(): void {
    this.held = null;
  }
}
