import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/** What the browser-facing headers depend on. */
export interface SecurityHeadersOptions {
  /** HSTS is only sent when this node itself serves HTTPS (a plain-HTTP node must not pin it). */
  https: boolean;
}

/**
 * The Content-Security-Policy the built web app runs under. Every script is a module file
 * from this origin; the recording ticker runs in a Worker made from a blob: URL; recordings
 * are replayed and downloaded from blob: URLs; the favicon is a data: URL. Signaling is a
 * same-origin WebSocket, which `'self'` covers. Styles allow inline attributes because Vue's
 * transitions and the video grid set them.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  mediaSrc: ["'self'", 'blob:'],
  workerSrc: ["'self'", 'blob:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  // The call page must never be framed: a hidden frame could trick a click on Leave, Share or Record.
  frameAncestors: ["'none'"],
  upgradeInsecureRequests: null,
};

/** Camera, microphone and screen capture only for this origin; nothing else a page could ask for. */
export const PERMISSIONS_POLICY =
  'camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()';

/**
 * Security headers on every response: CSP, `frame-ancestors 'none'` (and `X-Frame-Options:
 * DENY` for old browsers), `nosniff`, `Referrer-Policy: no-referrer` (an invite link's room
 * name must not leak to other sites), `Permissions-Policy`, and HSTS when HTTPS is on.
 */
export async function registerSecurityHeaders(app: FastifyInstance, options: SecurityHeadersOptions): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.https ? { maxAge: 15_552_000, includeSubDomains: false } : false,
    // The app loads nothing cross-origin; leave embedding policy at the browser default.
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onSend', async (_req, reply) => {
    reply.header('Permissions-Policy', PERMISSIONS_POLICY);
  });
}
