import { defineProject } from 'vitest/config';
// Relative, not the package name: Vitest bundles a config's relative imports but leaves
// packages to Node, which cannot load testkit's TypeScript.
import { scaled } from '../../tools/testkit/src/slowness.js';

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
    // Generous: these tests start processes and real connections, and CI machines are shared
    // (stretched by the slowness factor measured as the run starts). Each test bounds its own
    // waits much tighter where timing is the point (e.g. kill -9).
    testTimeout: scaled(60_000),
    hookTimeout: scaled(90_000),
  },
});
