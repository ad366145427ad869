import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '@meshmeet/protocol';
import { appendChat } from './chat-log';

const msg = (id: string): ChatMessage => ({ id, from: 'p1', nick: 'Ann', text: id, at: 0 });

describe('appendChat', () => {
  it('keeps a message once whichever of ack and echo comes first', () => {
    const one = appendChat([], msg('m1'));
    expect(appendChat(one, msg('m1'))).toBe(one);
    expect(appendChat(one, msg('m2')).map((m) => m.id)).toEqual(['m1', 'm2']);
  });

  it('drops the oldest past the limit', () => {
    let log: readonly ChatMessage[] = [];
    for (let i = 0; i < 5; i++) log = appendChat(log, msg(`m${i}`), 3);
    expect(log.map((m) => m.id)).toEqual(['m2', 'm3', 'm4']);
  });
});
