import type { Redis } from 'ioredis';

/** What {@link EvictionPolicyCheck.read} found out about Redis's `maxmemory-policy`. */
export type EvictionPolicy =
  /** The policy Redis reported, e.g. `noeviction` or `allkeys-lru`. */
  | { known: true; policy: string }
  /** Redis refused both ways of asking (a managed Redis that hides INFO and CONFIG). */
  | { known: false };

/** How old an answer may be before the next probe asks Redis again, ms. */
const REFRESH_AFTER_MS = 1000;

/**
 * Reads Redis's `maxmemory-policy`. The room store needs `noeviction`: under any other
 * policy a full Redis silently drops keys, and an evicted `…:pwd` key turns a password
 * room into an open one while its members stay. `/readyz` fails while the policy is wrong.
 *
 * Asked with `INFO memory` first (allowed on most managed services, which often disable
 * `CONFIG`), then `CONFIG GET maxmemory-policy`. When Redis refuses both, the policy is
 * unknown: the node stays ready and says so in `/readyz` and once in the log, because
 * refusing readiness would make meshmeet unusable on such services while proving nothing;
 * the operator is told (docs/security.md) to set `noeviction` there.
 *
 * A probe never waits on Redis once a first answer exists: it gets the last answer and,
 * when that is older than a second, starts a fresh read for the next probe. So a Redis
 * that hangs (paused, overloaded) cannot hang the readiness probe, and a change of policy
 * shows within a probe or two.
 */
export class EvictionPolicyCheck {
  private last: { at: number; value: EvictionPolicy } | null = null;
  private pending: Promise<EvictionPolicy> | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly now: () => number = Date.now,
  ) {}

  /** The last known policy (refreshed in the background when stale); the first call waits for Redis. */
  async read(): Promise<EvictionPolicy> {
    if (!this.last) return this.refresh();
    if (this.now() - this.last.at >= REFRESH_AFTER_MS) void this.refresh().catch(() => undefined);
    return this.last.value;
  }

  private refresh(): Promise<EvictionPolicy> {
    this.pending ??= this.ask()
      .then((value) => {
        this.last = { at: this.now(), value };
        return value;
      })
      .finally(() => (this.pending = null));
    return this.pending;
  }

  private async ask(): Promise<EvictionPolicy> {
    try {
      const info = await this.redis.info('memory');
      const found = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
      if (found) return { known: true, policy: found };
    } catch (err) {
      if (!refused(err)) throw err;
    }
    try {
      const reply = (await this.redis.config('GET', 'maxmemory-policy')) as unknown as string[];
      if (typeof reply[1] === 'string') return { known: true, policy: reply[1] };
    } catch (err) {
      if (!refused(err)) throw err;
    }
    return { known: false };
  }
}

/** Whether Redis answered with an error (refused: ACL, renamed or disabled command), rather than being unreachable. */
function refused(err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError';
}
