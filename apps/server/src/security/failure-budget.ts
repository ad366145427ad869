import type { Redis } from 'ioredis';
import { encodeRoom } from '../rooms/room-store.js';
import { WindowCounter } from './window-counter.js';

/** Result of {@link FailureBudget.take}. */
export type BudgetTake =
  /** A unit of both budgets was taken; `addressFailures` counts it (for queue priority). */
  | { ok: true; addressFailures: number }
  /** One budget is spent until its window ends; nothing was taken. */
  | { ok: false; spent: 'address' | 'room'; retryAfterMs: number };

/**
 * Wrong-password budgets per client address and per room, in fixed windows. A unit of
 * both is taken *before* a password is checked (so requests sent at once cannot all pass
 * the check) and given back when the password was right. With Redis the counts are shared
 * by every node: a guesser spreading requests over N nodes gets one budget, not N.
 */
export interface FailureBudget {
  /** Takes one unit of the address's and the room's budget atomically, or says which is spent. */
  take(address: string, room: string): Promise<BudgetTake>;
  /** Returns the unit (the password was right, or it was never checked). */
  giveBack(address: string, room: string): Promise<void>;
}

/** Limits of a {@link FailureBudget}. */
export interface FailureBudgetLimits {
  perAddress: number;
  perRoom: number;
  windowMs: number;
}

/** The budgets in this process (one node, no Redis). */
export class MemoryFailureBudget implements FailureBudget {
  private readonly byAddress: WindowCounter;
  private readonly byRoom: WindowCounter;

  constructor(
    private readonly limits: FailureBudgetLimits,
    now?: () => number,
  ) {
    this.byAddress = new WindowCounter(limits.windowMs, now);
    this.byRoom = new WindowCounter(limits.windowMs, now);
  }

  async take(address: string, room: string): Promise<BudgetTake> {
    if (this.byAddress.count(address) >= this.limits.perAddress) {
      return { ok: false, spent: 'address', retryAfterMs: this.byAddress.retryAfterMs(address) };
    }
    if (this.byRoom.count(room) >= this.limits.perRoom) return { ok: false, spent: 'room', retryAfterMs: this.byRoom.retryAfterMs(room) };
    this.byRoom.add(room);
    return { ok: true, addressFailures: this.byAddress.add(address) };
  }

  async giveBack(address: string, room: string): Promise<void> {
    this.byAddress.add(address, -1);
    this.byRoom.add(room, -1);
  }
}

/**
 * KEYS: addressKey, roomKey. ARGV: perAddress, perRoom, windowMs.
 * Returns `{'ok', addressCount}` or `{'address'|'room', pttl}`. A key's window starts with
 * its first unit (PEXPIRE when created) and the key vanishes with it.
 */
const TAKE = `
local a = tonumber(redis.call('GET', KEYS[1]) or '0')
if a >= tonumber(ARGV[1]) then return {'address', redis.call('PTTL', KEYS[1])} end
local r = tonumber(redis.call('GET', KEYS[2]) or '0')
if r >= tonumber(ARGV[2]) then return {'room', redis.call('PTTL', KEYS[2])} end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[3]) end
end
return {'ok', a + 1}
`;

/** KEYS: addressKey, roomKey. Decrements each that is above 0 (never creates a key). */
const GIVE_BACK = `
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 1
`;

interface BudgetCommands {
  mmPwTake(addressKey: string, roomKey: string, perAddress: string, perRoom: string, windowMs: string): Promise<[string, number]>;
  mmPwGiveBack(addressKey: string, roomKey: string): Promise<number>;
}

/**
 * The budgets in Redis, shared by every node (`P pwfail:a:<address>`, `P pwfail:r:<E>`,
 * each expiring with its window). Fails (rejects) while Redis is unreachable: the caller
 * answers UNAVAILABLE rather than checking a password without a budget.
 */
export class RedisFailureBudget implements FailureBudget {
  private readonly r: Redis & BudgetCommands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly limits: FailureBudgetLimits,
  ) {
    if (!('mmPwTake' in redis)) redis.defineCommand('mmPwTake', { numberOfKeys: 2, lua: TAKE });
    if (!('mmPwGiveBack' in redis)) redis.defineCommand('mmPwGiveBack', { numberOfKeys: 2, lua: GIVE_BACK });
    this.r = redis as Redis & BudgetCommands;
  }

  async take(address: string, room: string): Promise<BudgetTake> {
    const [kind, n] = await this.r.mmPwTake(
      this.addressKey(address),
      this.roomKey(room),
      String(this.limits.perAddress),
      String(this.limits.perRoom),
      String(this.limits.windowMs),
    );
    if (kind === 'ok') return { ok: true, addressFailures: n };
    return { ok: false, spent: kind as 'address' | 'room', retryAfterMs: Math.max(0, n) };
  }

  async giveBack(address: string, room: string): Promise<void> {
    await this.r.mmPwGiveBack(this.addressKey(address), this.roomKey(room));
  }

  private addressKey(address: string): string {
    return `${this.prefix}pwfail:a:${Buffer.from(address).toString('base64url')}`;
  }

  private roomKey(room: string): string {
    return `${this.prefix}pwfail:r:${encodeRoom(room)}`;
  }
}
