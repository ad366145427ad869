import { createServer, type Server } from 'node:http';
import type { Metrics } from '../metrics.js';

/**
 * A plain HTTP server that answers `GET /metrics` and nothing else, for `METRICS_PORT` on
 * `METRICS_HOST` (default 127.0.0.1): a scraper on the same host or a private network reads
 * metrics with no token, and the public port never serves them.
 */
export function createMetricsListener(metrics: Metrics): Server {
  return createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
    );
  });
}
