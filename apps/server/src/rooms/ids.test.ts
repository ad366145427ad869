import { describe, expect, it } from 'vitest';
import { hashToken, newPeerId, newResumeToken } from './ids.js';

describe('ids', () => {
  it('peer ids are 12 URL-safe characters and never repeat, across many refills of the random pool', () => {
    // 2,000 ids and tokens take 82 KB of random bytes: twenty refills of the 4 KiB pool.
    const ids = Array.from({ length: 2000 }, () => newPeerId());
    const tokens = Array.from({ length: 2000 }, () => newResumeToken());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('hands out no byte twice: no 8-byte run of one token appears in another', () => {
    const raw = Array.from({ length: 600 }, () => Buffer.from(newResumeToken(), 'base64url'));
    const seen = new Set<string>();
    for (const b of raw) {
      for (let i = 0; i + 8 <= b.length; i += 8) {
        const run = b.subarray(i, i + 8).toString('hex');
        expect(seen.has(run)).toBe(false);
        seen.add(run);
      }
    }
  });

  it('stores tokens only as their SHA-256', () => {
    const token = newResumeToken();
    expect(hashToken(token)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hashToken(token)).not.toBe(token);
    expect(hashToken(token)).toBe(hashToken(token));
  });
});
