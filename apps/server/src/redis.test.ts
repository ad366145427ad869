import { describe, expect, inject, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { connectRedis } from './redis.js';

const noop = () => undefined;
const silent = { debug: noop, info: noop, warn: noop, error: noop } as unknown as FastifyBaseLogger;

describe('connectRedis', () => {
  it('never lets an adapter SUNSUBSCRIBE on a closed connection become an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const clients = await connectRedis(inject('redisUrl'), silent);
      await clients.close();
      // What the sharded adapter does when a socket leaves its room after the close:
      // call and drop the promise.
      void clients.sub.sunsubscribe('meshmeet:test:gone');
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
