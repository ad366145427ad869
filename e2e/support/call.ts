/** The call helpers (join, tiles, stats) live in `@meshmeet/testkit/call`, shared with bench/; kept for existing imports. */
export * from '@meshmeet/testkit/call';
