import { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';

/** The Redis connections of one node. */
export interface RedisClients {
  /** Commands and scripts; also the adapter's publisher. Fails fast while disconnected. */
  main: Redis;
  /** The adapter's subscriber (a connection in subscribe mode can do nothing else). */
  sub: Redis;
  /** True while the command connection is usable (`/readyz`). */
  isReady(): boolean;
  /** Closes both connections. */
  close(): Promise<void>;
}

/**
 * Opens the two connections and waits (up to `waitMs`) for the first to be ready. The node
 * starts even if Redis is down: `/readyz` says 503 and joins answer `UNAVAILABLE` until it
 * is back, and ioredis keeps reconnecting.
 */
export async function connectRedis(url: string, log: FastifyBaseLogger, waitMs = 5000): Promise<RedisClients> {
  const main = new Redis(url, {
    // A request made while Redis is away fails at once (the client gets UNAVAILABLE)
    // instead of queueing behind a reconnect that may take minutes.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  // The subscriber keeps its offline queue: a subscription asked for during an outage must
  // still happen when Redis returns (ioredis re-subscribes known channels on reconnect).
  // No handshake commands on it: ioredis writes (S)SUBSCRIBE while its INFO ready check and
  // CLIENT SETINFO are still in flight, the connection enters subscriber mode, those replies
  // break it, and the adapter's subscriptions are silently lost (seen here under load;
  // ioredis issue #2037). A subscriber needs neither (the check only waits out a dataset load).
  const sub = main.duplicate({
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    enableReadyCheck: false,
    disableClientInfo: true,
  });
  // The sharded adapter fires SSUBSCRIBE and SUNSUBSCRIBE when a socket enters or leaves a
  // room and never looks at the returned promise. When the connection is closed while one
  // is in flight (shutdown while Redis is away) that promise rejects, and an unhandled
  // rejection would end the process: observe it here. (ioredis itself re-subscribes on
  // reconnect; a subscription lost that way is what the subscriber watch reports.)
  for (const name of ['ssubscribe', 'sunsubscribe'] as const) {
    const original = sub[name].bind(sub) as (...args: unknown[]) => Promise<unknown>;
    sub[name] = ((...args: unknown[]) => {
      const pending = original(...args);
      pending.catch((err: Error) => log.debug({ err: err.message, command: name }, 'sharded (un)subscribe failed (connection closed)'));
      return pending;
    }) as never;
  }
  let down = false;
  for (const [name, client] of [['main', main], ['sub', sub]] as const) {
    client.on('error', (err: Error) => {
      if (!down) log.warn({ err: err.message, connection: name }, 'redis connection error');
      down = true;
    });
    client.on('ready', () => {
      if (down) log.info({ connection: name }, 'redis connection ready');
      down = false;
    });
  }
  // Both connections ready before the adapter subscribes anything (see above).
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      main.off('ready', ready);
      sub.off('ready', ready);
      log.warn({ waitMs }, 'redis not ready yet; starting anyway (readyz answers 503)');
      resolve();
    }, waitMs);
    function ready() {
      if (main.status === 'ready' && sub.status === 'ready') {
        clearTimeout(timer);
        main.off('ready', ready);
        sub.off('ready', ready);
        resolve();
      }
    }
    main.on('ready', ready);
    sub.on('ready', ready);
    ready();
  });
  return {
    main,
    sub,
    isReady: () => main.status === 'ready',
    close: async () => {
      // QUIT only makes sense on a live connection; otherwise just stop reconnecting.
      await Promise.allSettled([main, sub].map((c) => (c.status === 'ready' ? c.quit() : undefined)));
      main.disconnect();
      sub.disconnect();
    },
  };
}
