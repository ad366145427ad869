import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';

/**
 * Paths pino blanks out wherever they appear in a log object: passwords, resume tokens,
 * TURN secrets and credentials must never reach a log line, even by accident in `err` or
 * a request dump.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-room-password"]',
  'password',
  'resumeToken',
  'token',
  'turnSecret',
  'credential',
  '*.password',
  '*.resumeToken',
  '*.token',
  '*.turnSecret',
  '*.credential',
  '*.*.credential',
];

/** Fastify logger options (pino) for the configured level. */
export function loggerOptions(config: Pick<Config, 'logLevel'>): NonNullable<FastifyServerOptions['logger']> {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
}
