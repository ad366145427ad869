import { defineProject } from 'vitest/config';

/** The bots' integration test starts a server and ffmpeg: give it room on a busy machine. */
export default defineProject({
  test: { include: ['test/**/*.test.ts', 'src/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
});
