import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '@meshmeet/protocol';
import type { Metrics } from '../metrics.js';
import type { EvictionPolicy } from '../redis-policy.js';
import { replyError } from './reply-error.js';

/** What the health routes need. */
export interface HealthRoutesOptions {
  metrics: Metrics;
  /** `'n/a'` without Redis (memory store); `'stalled'`: connected, but not answering. */
  redisState: () => 'up' | 'down' | 'stalled' | 'n/a';
  /** The Socket.IO adapter's Redis subscriber: `down` while cut off or resubscribing (messages to this node are lost). */
  subscriberState?: () => 'up' | 'down' | 'n/a';
  /** Redis's `maxmemory-policy` (see redis-policy.ts); absent without Redis. */
  evictionPolicy?: () => Promise<EvictionPolicy>;
  /** Told once per change when the policy cannot be read (managed Redis), so the log says so. */
  onPolicyUnknown?: () => void;
  isClosing: () => boolean;
  nodeId: string;
  /** Bearer token that opens `/metrics` here; null: `/metrics` is not served on this port. */
  metricsToken: string | null;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Whether an Authorization header carries `Bearer <token>`, compared in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(given), digest(token));
}

/** The one eviction policy under which Redis never drops a key of the room store. */
const REQUIRED_POLICY = 'noeviction';

/**
 * `GET /healthz` (the process answers), `GET /readyz` (it can serve: Redis reachable,
 * answering and running `maxmemory-policy noeviction`, the adapter's subscriber holding its
 * subscriptions, not shutting down; 503 otherwise, with the reasons in `reasons`, so a
 * load balancer stops sending people here and an operator sees why) and `GET /metrics`
 * (Prometheus text format). Metrics tell who is busy when and how big rooms are: not
 * public. Here they need `Authorization: Bearer METRICS_TOKEN`; without a token they are
 * served only by the separate loopback listener (`METRICS_PORT`), or not at all.
 */
export async function healthRoutes(app: FastifyInstance, o: HealthRoutesOptions): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok', node: o.nodeId }));

  app.get('/readyz', async (_req, reply) => {
    let redis = o.redisState();
    const subscriber = o.subscriberState?.() ?? 'n/a';
    const reasons: string[] = [];
    let evictionPolicy: string = 'n/a';
    if (redis === 'up' && o.evictionPolicy) {
      try {
        const found = await o.evictionPolicy();
        evictionPolicy = found.known ? found.policy : 'unknown';
        if (!found.known) o.onPolicyUnknown?.();
        else if (found.policy !== REQUIRED_POLICY) {
          reasons.push(
            `Redis runs maxmemory-policy ${found.policy}; meshmeet needs ${REQUIRED_POLICY} (an evicted key could open a password room). Set it with CONFIG SET maxmemory-policy ${REQUIRED_POLICY} or in redis.conf`,
          );
        }
      } catch {
        redis = 'down';
      }
    }
    if (redis === 'down') reasons.push('Redis is unreachable');
    if (redis === 'stalled') reasons.push('Redis is connected but has not answered for longer than ANSWER_WITHIN_MS');
    if (subscriber === 'down') reasons.push('the Redis subscriber is cut off or resubscribing');
    if (o.isClosing()) reasons.push('the node is shutting down');
    const ready = reasons.length === 0;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', redis, subscriber, evictionPolicy, closing: o.isClosing(), reasons });
  });

  app.get('/metrics', async (req, reply) => {
    if (!o.metricsToken) {
      return replyError(reply, 404, ErrorCode.NOT_FOUND, 'Metrics are not served on this port (set METRICS_TOKEN or METRICS_PORT)');
    }
    if (!bearerMatches(req.headers.authorization, o.metricsToken)) {
      reply.header('www-authenticate', 'Bearer');
      return replyError(reply, 401, ErrorCode.UNAUTHORIZED, 'Metrics need Authorization: Bearer <METRICS_TOKEN>');
    }
    const body = await o.metrics.registry.metrics();
    return reply.type(o.metrics.registry.contentType).send(body);
  });
}
