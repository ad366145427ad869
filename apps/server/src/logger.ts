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

/**
 * Fields of error objects that carry what was sent to another system: ioredis puts the
 * whole command (`command: {name, args}`) on its errors, and those args hold password
 * hashes, resume-token hashes and member records. They never reach the log.
 */
const ERROR_FIELDS_DROPPED = new Set(['command', 'args', 'argv', 'previousErrors', 'lastNodeError', 'config', 'options']);

/** Serializes an error for the log: type, message, stack, code and own fields, minus command arguments. */
export function serializeError(err: Error): { [key: string]: unknown; type: string; message: string; stack: string } {
  const out = { type: err.name, message: err.message, stack: err.stack ?? '' } as { [key: string]: unknown; type: string; message: string; stack: string };
  for (const [key, value] of Object.entries(err)) {
    if (!ERROR_FIELDS_DROPPED.has(key) && key !== 'cause') out[key] = value;
  }
  if (err.cause instanceof Error) out.cause = serializeError(err.cause);
  return out;
}

/** Fastify logger options (pino) for the configured level. */
export function loggerOptions(config: Pick<Config, 'logLevel'>): NonNullable<FastifyServerOptions['logger']> {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError },
  };
}
