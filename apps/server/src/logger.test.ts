import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loggerOptions } from './logger.js';

describe('logger redaction', () => {
  it('never prints passwords, tokens, TURN secrets or credentials', () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = Fastify({ logger: { ...(loggerOptions({ logLevel: 'info' }) as object), stream } });
    app.log.info({ password: 'hunter2', config: { turnSecret: 's3cret' }, req: { resumeToken: 'tok123' } }, 'a');
    app.log.info({ iceServers: [{ credential: 'cred' }], join: { password: 'pw2', room: 'ok-room' } }, 'b');
    const out = lines.join('');
    for (const secret of ['hunter2', 's3cret', 'tok123', 'pw2']) expect(out).not.toContain(secret);
    expect(out).toContain('ok-room');
    expect(out).toContain('[redacted]');
  });
});
