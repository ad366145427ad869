import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rate-limit.js';

describe('TokenBucket', () => {
  it('allows a burst, refuses the excess and refills with time', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 100; // 0.1 s at 10/s = one token
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    now += 10_000; // long idle: capped at the burst size
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });
});

describe('TokenBucket as a bytes budget', () => {
  it('charges the cost, refuses a message larger than what is left without taking anything', () => {
    let now = 0;
    const bytes = new TokenBucket(1000, 1500, () => now);
    expect(bytes.take(1200)).toBe(true);
    expect(bytes.take(400)).toBe(false); // 300 left: refused whole
    expect(bytes.take(300)).toBe(true);
    now += 500; // 0.5 s at 1000 B/s
    expect(bytes.take(501)).toBe(false);
    expect(bytes.take(500)).toBe(true);
  });
});
