import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { USER_PRIORITY_PREFIX } from './browser.js';

describe('USER_PRIORITY_PREFIX', () => {
  it("leaves Chromium a user's scheduling rights: no raising a thread above normal priority", () => {
    if (process.getuid?.() !== 0) {
      // An ordinary user has no such right to take away.
      expect(USER_PRIORITY_PREFIX).toEqual([]);
      return;
    }
    // Root may renice itself to -5; the same command under the prefix must be refused.
    const raise = ['sh', '-c', 'renice -n -5 -p $$'];
    expect(spawnSync(raise[0]!, raise.slice(1)).status).toBe(0);
    const [cmd, ...args] = [...USER_PRIORITY_PREFIX, ...raise];
    const r = spawnSync(cmd!, args, { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/denied/i);
  });
});
