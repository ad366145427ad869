import { createHash, randomFillSync } from 'node:crypto';

/**
 * Random bytes for ids and tokens, drawn from a buffer the CSPRNG refills 4 KiB at a time.
 * Every call into the CSPRNG costs several microseconds whatever its size, and a join
 * needs two (an id and a resume token): one refill now serves about a hundred joins. Each
 * byte is handed out once, so ids stay as unpredictable as bytes drawn one call at a time.
 */
class RandomPool {
  private readonly buf = Buffer.alloc(4096);
  private used = this.buf.length;

  /** `n` (≤ 4096) fresh random bytes from the pool, as URL-safe base64. */
  take(n: number): string {
    if (this.used + n > this.buf.length) {
      randomFillSync(this.buf);
      this.used = 0;
    }
    const out = this.buf.toString('base64url', this.used, this.used + n);
    // Handed-out bytes are wiped from the pool, so a later dump of it holds none of them.
    this.buf.fill(0, this.used, this.used + n);
    this.used += n;
    return out;
  }
}

const pool = new RandomPool();

/** A new participant id: 12 URL-safe characters (72 random bits), assigned by the server only. */
export function newPeerId(): string {
  return pool.take(9);
}

/** A new resume token: 256 random bits, URL-safe. Only its hash is stored. */
export function newResumeToken(): string {
  return pool.take(32);
}

/** Hash under which a resume token is stored, so a leaked store does not leak live tokens. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A node (process) id for liveness records. */
export function newNodeId(): string {
  return pool.take(6);
}
