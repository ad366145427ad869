import type { FastifyReply } from 'fastify';
import type { ErrorCode } from '@meshmeet/protocol';

/** HTTP error bodies use the same `{error: {code, message}}` shape as failed acks. */
export function replyError(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

/** First zod issue as `field: reason`. */
export function issueText(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const issue = issues[0];
  return issue ? `${issue.path.map(String).join('.') || 'input'}: ${issue.message}` : 'invalid input';
}
