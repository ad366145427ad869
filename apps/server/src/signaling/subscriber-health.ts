import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../metrics.js';

/** What {@link watchSubscriber} reports to. */
export interface SubscriberWatchOptions {
  metrics: Metrics;
  log: FastifyBaseLogger;
  /** The subscriber was cut off: messages to this node are being lost from now on. */
  onDown: () => void;
  /** It is back with every subscription in place. */
  onUp: () => void;
}

/** Live state of the adapter's Redis subscriber. */
export interface SubscriberHealth {
  /** True while every subscription is in place (false while cut off or resubscribing). */
  isUp(): boolean;
  /** Resolves the first time the subscriber is whole. */
  firstUp: Promise<void>;
}

/**
 * Watches the adapter's subscriber connection. Redis cuts a subscriber off when it falls
 * behind (`client-output-buffer-limit pubsub`) or on `CLIENT KILL`; ioredis reconnects
 * and subscribes again to every channel it held (`autoResubscribe`), queued right after
 * its `ready`. A PING sent after `ready` is answered only once those subscriptions were
 * processed, so its answer marks the subscriber whole again. Meanwhile the node reports
 * itself not ready and counts the cut (`meshmeet_redis_subscriber_reconnects_total`).
 */
export function watchSubscriber(sub: Redis, o: SubscriberWatchOptions): SubscriberHealth {
  let up = false;
  let everUp = false;
  let resolveFirst!: () => void;
  const firstUp = new Promise<void>((r) => (resolveFirst = r));
  const markUp = () => {
    if (sub.status !== 'ready' || up) return;
    sub.ping().then(
      () => {
        if (sub.status !== 'ready' || up) return;
        up = true;
        o.metrics.subscriberUp.set(1);
        if (everUp) {
          o.metrics.subscriberReconnects.inc();
          o.log.warn('redis subscriber is back with its subscriptions; messages sent to this node while it was cut off were lost');
        }
        everUp = true;
        resolveFirst();
        o.onUp();
      },
      () => undefined, // the connection dropped again; the next `ready` retries
    );
  };
  sub.on('ready', markUp);
  sub.on('close', () => {
    if (!up) return;
    up = false;
    o.metrics.subscriberUp.set(0);
    o.log.warn('redis subscriber connection closed; resubscribing');
    o.onDown();
  });
  o.metrics.subscriberUp.set(0);
  markUp();
  return { isUp: () => up, firstUp };
}
