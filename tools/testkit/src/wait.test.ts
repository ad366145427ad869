import { describe, expect, it, vi } from 'vitest';

// Fixed factor for this file: the module caches it on first use, so set it before importing.
vi.stubEnv('MESHMEET_SLOWNESS', '3');
const { FatalWaitError, waitFor } = await import('./wait.js');

describe('waitFor', () => {
  it('returns the first truthy value a check gives', async () => {
    let calls = 0;
    await expect(waitFor('third call', () => (++calls === 3 ? 'done' : false), { intervalMs: 1 })).resolves.toBe('done');
    expect(calls).toBe(3);
  });

  it('stretches its deadline by the slowness factor and names what it waited for', async () => {
    const started = Date.now();
    await expect(waitFor('never', () => false, { timeoutMs: 100, intervalMs: 10 })).rejects.toThrow(
      /timed out after 300 ms \(100 ms scaled for a busy machine\) waiting for never/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('stops at once on FatalWaitError and reports the last ordinary error on timeout', async () => {
    const started = Date.now();
    await expect(
      waitFor(
        'fatal',
        () => {
          throw new FatalWaitError('process died');
        },
        { timeoutMs: 10_000 },
      ),
    ).rejects.toThrow('process died');
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(
      waitFor(
        'flaky',
        () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 10, intervalMs: 5 },
      ),
    ).rejects.toThrow(/last error: connection refused/);
  });
});
