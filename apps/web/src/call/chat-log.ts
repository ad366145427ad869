import type { ChatMessage } from '@meshmeet/protocol';

/** Most chat messages a call keeps in memory; older ones drop off the top. */
export const CHAT_LIMIT = 500;

/**
 * Adds a message to the chat log, once: our own message arrives twice (the ack of
 * `chat:send` and the room's `chat:message` echo) in either order, deduplicated by id.
 * Returns the same array when the message was already there.
 */
export function appendChat(log: readonly ChatMessage[], message: ChatMessage, limit = CHAT_LIMIT): readonly ChatMessage[] {
  if (log.some((m) => m.id === message.id)) return log;
  return [...log, message].slice(-limit);
}
