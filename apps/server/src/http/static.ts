import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { ErrorCode } from '@meshmeet/protocol';
import { replyError } from './reply-error.js';

/** Paths that belong to the API: never answered with the SPA's index.html. */
const API_PREFIXES = ['/api/', '/socket.io/', '/userlist', '/healthz', '/readyz', '/metrics'];

/**
 * Serves the built web app from `dir` at `/` when the directory exists, with a fallback to
 * `index.html` for client-side routes. Returns whether it did. Unknown API paths stay JSON 404s.
 */
export async function registerStatic(app: FastifyInstance, dir: string): Promise<boolean> {
  const root = resolve(dir);
  const hasApp = existsSync(resolve(root, 'index.html'));
  if (hasApp) await app.register(fastifyStatic, { root, wildcard: true });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const wantsPage = req.method === 'GET' && !API_PREFIXES.some((p) => path.startsWith(p));
    if (hasApp && wantsPage) return reply.type('text/html').sendFile('index.html');
    return replyError(reply, 404, ErrorCode.NOT_FOUND, `No route for ${req.method} ${path}`);
  });
  return hasApp;
}
