import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTicker } from './ticker.js';

afterEach(() => vi.useRealTimers());

describe('startTicker (main-thread fallback)', () => {
  it('ticks at the interval and survives a throwing callback', () => {
    vi.useFakeTimers();
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let n = 0;
    const t = startTicker(100, () => {
      n += 1;
      if (n === 2) throw new Error('draw failed');
    }, false);
    expect(t.fromWorker).toBe(false);
    vi.advanceTimersByTime(550);
    expect(n).toBe(5);
    expect(err).toHaveBeenCalledTimes(1);
    t.stop();
    vi.advanceTimersByTime(500);
    expect(n).toBe(5);
    err.mockRestore();
  });
});
