import { defineConfig } from 'vitest/config';

/** One Vitest run covers the unit and integration tests of every workspace. */
export default defineConfig({
  test: {
    projects: ['packages/*', 'tools/*', 'apps/server', 'apps/web'],
  },
});
