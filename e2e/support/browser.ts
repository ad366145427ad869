/** The Chromium harness now lives in `@meshmeet/testkit/browser`; kept for existing imports. */
export * from '@meshmeet/testkit/browser';
