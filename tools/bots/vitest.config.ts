import { defineProject } from 'vitest/config';
// Relative, not the package name: Vitest bundles a config's relative imports but leaves
// packages to Node, which cannot load testkit's TypeScript.
import { scaled } from '../../tools/testkit/src/slowness.js';

/**
 * The bots' integration test starts a server and ffmpeg: give it room on a busy machine
 * (bounds stretched by the slowness factor measured as the run starts).
 */
export default defineProject({
  test: { include: ['test/**/*.test.ts', 'src/**/*.test.ts'], testTimeout: scaled(120_000), hookTimeout: scaled(120_000) },
});
