import { defineProject } from 'vitest/config';

/**
 * Server tests: unit tests beside the code (`src/**\/*.test.ts`), contract and
 * integration tests in `test/`. The global setup starts a private redis-server on a free
 * loopback port (or uses REDIS_URL) for every file; files isolate themselves by key prefix.
 */
export default defineProject({
  test: {
    name: '@meshmeet/server',
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Generous: these tests start processes and real connections, and CI machines are shared.
    // Each test bounds its own waits much tighter where timing is the point (e.g. kill -9).
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
