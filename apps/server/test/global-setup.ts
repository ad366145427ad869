import { startRedis, waitForRedis } from '@meshmeet/testkit';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** Vitest global setup: one Redis for the whole run, unless REDIS_URL points at one. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.REDIS_URL) {
    await waitForRedis(process.env.REDIS_URL);
    project.provide('redisUrl', process.env.REDIS_URL);
    return async () => {};
  }
  const redis = await startRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
