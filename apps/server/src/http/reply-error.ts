import type { FastifyReply } from 'fastify';
import type { ErrorCode } from '@meshmeet/protocol';

/** HTTP error bodies use the same `{error: {code, message}}` shape as failed acks. */
export function replyError(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}
