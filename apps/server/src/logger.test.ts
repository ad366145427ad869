import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loggerOptions } from './logger.js';

/** A fastify app with the server's logger options, writing its log lines into `lines`. */
function capturingApp() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = Fastify({ logger: { ...(loggerOptions({ logLevel: 'info' }) as object), stream } });
  return { app, lines };
}

describe('logger redaction', () => {
  it('never prints passwords, tokens, TURN secrets or credentials', () => {
    const { app, lines } = capturingApp();
    app.log.info({ password: 'hunter2', config: { turnSecret: 's3cret' }, req: { resumeToken: 'tok123' } }, 'a');
    app.log.info({ iceServers: [{ credential: 'cred' }], join: { password: 'pw2', room: 'ok-room' } }, 'b');
    const out = lines.join('');
    for (const secret of ['hunter2', 's3cret', 'tok123', 'pw2']) expect(out).not.toContain(secret);
    expect(out).toContain('ok-room');
    expect(out).toContain('[redacted]');
  });

  it('drops the command arguments ioredis puts on its errors', async () => {
    const { app, lines } = capturingApp();
    const { ReplyError } = await import('ioredis');
    const err = Object.assign(new ReplyError('NOSCRIPT No matching script'), {
      command: { name: 'evalsha', args: ['sha', '0', 'meshmeet:', 'scrypt$c2FsdA$aGFzaGhhc2g', 'tokenhash-abc'] },
    });
    app.log.warn({ err }, 'room store operation failed');
    const out = lines.join('');
    expect(out).toContain('NOSCRIPT No matching script');
    for (const secret of ['scrypt$c2FsdA$aGFzaGhhc2g', 'tokenhash-abc', 'evalsha']) expect(out).not.toContain(secret);
  });
});
