import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';

/** What the health routes need. */
export interface HealthRoutesOptions {
  metrics: Metrics;
  /** `'n/a'` without Redis (memory store). */
  redisState: () => 'up' | 'down' | 'n/a';
  /** The Socket.IO adapter's Redis subscriber: `down` while cut off or resubscribing (messages to this node are lost). */
  subscriberState?: () => 'up' | 'down' | 'n/a';
  isClosing: () => boolean;
  nodeId: string;
}

/**
 * `GET /healthz` (the process answers), `GET /readyz` (it can serve: Redis reachable, the
 * adapter's subscriber holding its subscriptions, not shutting down; 503 otherwise, so a load balancer stops sending people here) and
 * `GET /metrics` (Prometheus text format).
 */
export async function healthRoutes(app: FastifyInstance, o: HealthRoutesOptions): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok', node: o.nodeId }));

  app.get('/readyz', async (_req, reply) => {
    const redis = o.redisState();
    const subscriber = o.subscriberState?.() ?? 'n/a';
    const ready = redis !== 'down' && subscriber !== 'down' && !o.isClosing();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', redis, subscriber, closing: o.isClosing() });
  });

  app.get('/metrics', async (_req, reply) => {
    const body = await o.metrics.registry.metrics();
    return reply.type(o.metrics.registry.contentType).send(body);
  });
}
