import { ErrorCode } from '@meshmeet/protocol';
import { AppError } from '../errors.js';
import { hashPassword, verifyPassword } from '../rooms/password.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import { WindowCounter } from './window-counter.js';

/** Limits of {@link PasswordGuard} (see `PASSWORD_*` and `SCRYPT_*` in `.env.example`). */
export interface PasswordGuardOptions {
  /** scrypt computations running at once on this node. */
  scryptConcurrency: number;
  /** scrypt computations waiting for a slot; beyond this, fail fast with `RATE_LIMITED`. */
  scryptQueue: number;
  /** Password checks one client address may have running or waiting at once. */
  pendingPerAddress: number;
  /** Wrong passwords one client address may send per window. */
  failuresPerAddress: number;
  /** Wrong passwords one room may receive per window (from all addresses together). */
  failuresPerRoom: number;
  windowMs: number;
  now?: () => number;
}

/**
 * Every scrypt of the server goes through here: a global concurrency limit that fails fast,
 * a cap on checks in flight per client address, and failure budgets per address and per
 * room. An attempt takes one unit of both failure budgets *before* scrypt runs (so 80
 * requests sent at once cannot all pass the check); a right password gives it back.
 *
 * Counters live in this process: with N nodes behind a balancer a guesser gets at most N
 * times the budget, which keeps guessing a password of 8+ characters hopeless.
 */
export class PasswordGuard {
  private readonly gate: ConcurrencyGate;
  private readonly byAddress: WindowCounter;
  private readonly byRoom: WindowCounter;
  private readonly pending = new Map<string, number>();

  constructor(private readonly o: PasswordGuardOptions) {
    this.gate = new ConcurrencyGate(o.scryptConcurrency, o.scryptQueue);
    this.byAddress = new WindowCounter(o.windowMs, o.now);
    this.byRoom = new WindowCounter(o.windowMs, o.now);
  }

  /** Hashes the password of a room being created by `address`. */
  async hash(address: string, password: string): Promise<string> {
    return this.limited(address, () => hashPassword(password));
  }

  /**
   * Checks `password` against a room's record. Throws `RATE_LIMITED` when a budget is used
   * up or the checker is saturated (scrypt did not run), `BAD_PASSWORD` when it is wrong.
   */
  async verify(address: string, room: string, password: string, record: string): Promise<void> {
    if (this.byAddress.count(address) >= this.o.failuresPerAddress) {
      throw rateLimited(`Too many wrong passwords from your network; try again in ${minutes(this.byAddress.retryAfterMs(address))}`);
    }
    if (this.byRoom.count(room) >= this.o.failuresPerRoom) {
      throw rateLimited(`Too many wrong passwords for this room; try again in ${minutes(this.byRoom.retryAfterMs(room))}`);
    }
    this.byAddress.add(address);
    this.byRoom.add(room);
    let right = false;
    try {
      right = await this.limited(address, () => verifyPassword(password, record));
    } catch (err) {
      // Not checked (busy): not a failure either.
      this.byAddress.add(address, -1);
      this.byRoom.add(room, -1);
      throw err;
    }
    if (!right) throw new AppError(ErrorCode.BAD_PASSWORD, 'Wrong room password');
    this.byAddress.add(address, -1);
    this.byRoom.add(room, -1);
  }

  private async limited<T>(address: string, task: () => Promise<T>): Promise<T> {
    const mine = this.pending.get(address) ?? 0;
    if (mine >= this.o.pendingPerAddress) throw rateLimited('Too many password checks at once from your network; try again in a moment');
    this.pending.set(address, mine + 1);
    try {
      // Addresses with recent wrong passwords wait behind those without.
      const done = await this.gate.run(task, this.byAddress.count(address));
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
