import { ErrorCode } from '@meshmeet/protocol';
import { AppError } from '../errors.js';
import { hashPassword, verifyPassword } from '../rooms/password.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import type { FailureBudget } from './failure-budget.js';

/** Limits of {@link PasswordGuard} (see `PASSWORD_*` and `SCRYPT_*` in `.env.example`). */
export interface PasswordGuardOptions {
  /** scrypt computations running at once on this node. */
  scryptConcurrency: number;
  /** scrypt computations waiting for a slot; beyond this, fail fast with `RATE_LIMITED`. */
  scryptQueue: number;
  /** Password checks one client address may have running or waiting at once (on this node). */
  pendingPerAddress: number;
  /**
   * Wrong passwords allowed per client address and per room in each window; shared by all
   * nodes when it lives in Redis.
   */
  failures: FailureBudget;
}

/**
 * Every scrypt of the server goes through here: a global concurrency limit that fails fast
 * and a cap on checks in flight per client address (both about this node's CPU), and the
 * failure budgets per address and per room (about guessing: shared by every node through
 * Redis, see {@link FailureBudget}). An attempt takes one unit of both failure budgets
 * *before* scrypt runs (so 80 requests sent at once cannot all pass the check); a right
 * password gives it back.
 */
export class PasswordGuard {
  private readonly gate: ConcurrencyGate;
  private readonly pending = new Map<string, number>();

  constructor(private readonly o: PasswordGuardOptions) {
    this.gate = new ConcurrencyGate(o.scryptConcurrency, o.scryptQueue);
  }

  /** Hashes the password of a room being created by `address`. */
  async hash(address: string, password: string): Promise<string> {
    return this.limited(address, 0, () => hashPassword(password));
  }

  /**
   * Checks `password` against a room's record. Throws `RATE_LIMITED` when a budget is used
   * up or the checker is saturated (scrypt did not run), `BAD_PASSWORD` when it is wrong,
   * `UNAVAILABLE` when the shared budgets cannot be reached.
   */
  async verify(address: string, room: string, password: string, record: string): Promise<void> {
    const taken = await this.budget(() => this.o.failures.take(address, room));
    if (!taken.ok) {
      const wait = minutes(taken.retryAfterMs);
      throw rateLimited(
        taken.spent === 'address' ? `Too many wrong passwords from your network; try again in ${wait}` : `Too many wrong passwords for this room; try again in ${wait}`,
      );
    }
    let right = false;
    try {
      // Addresses with recent wrong passwords wait behind those without.
      right = await this.limited(address, taken.addressFailures - 1, () => verifyPassword(password, record));
    } catch (err) {
      // Not checked (busy): not a failure either.
      await this.budget(() => this.o.failures.giveBack(address, room)).catch(() => undefined);
      throw err;
    }
    if (!right) throw new AppError(ErrorCode.BAD_PASSWORD, 'Wrong room password');
    await this.budget(() => this.o.failures.giveBack(address, room));
  }

  private async budget<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw AppError.unavailable(err);
    }
  }

  private async limited<T>(address: string, priority: number, task: () => Promise<T>): Promise<T> {
    const mine = this.pending.get(address) ?? 0;
    if (mine >= this.o.pendingPerAddress) throw rateLimited('Too many password checks at once from your network; try again in a moment');
    this.pending.set(address, mine + 1);
    try {
      const done = await this.gate.run(task, priority);
      if (!done) throw rateLimited('The server is busy checking passwords; try again in a moment');
      return done.value;
    } finally {
      const left = (this.pending.get(address) ?? 1) - 1;
      if (left > 0) this.pending.set(address, left);
      else this.pending.delete(address);
    }
  }
}

function rateLimited(message: string): AppError {
  return new AppError(ErrorCode.RATE_LIMITED, message);
}

function minutes(ms: number): string {
  const m = Math.max(1, Math.ceil(ms / 60_000));
  return m === 1 ? 'a minute' : `${m} minutes`;
}
