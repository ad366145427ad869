import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createIceServerProvider, turnCredentials } from './ice-servers.js';

describe('TURN REST credentials', () => {
  it('uses <expiry>:<id> and base64 HMAC-SHA1 of the username', () => {
    const creds = turnCredentials('s3cret-value', 'peer1', 600, 1_700_000_000_000);
    expect(creds.username).toBe('1700000600:peer1');
    expect(creds.expiresAt).toBe(1_700_000_600);
    const expected = createHmac('sha1', 's3cret-value').update('1700000600:peer1').digest('base64');
    expect(creds.credential).toBe(expected);
    // Known answer computed independently with `openssl dgst -sha1 -hmac s3cret-value -binary | base64`.
    expect(creds.credential).toBe('jW/GQA8vgxte1+gcRdG8s5UPBUo=');
  });

  it('appends a TURN entry only when a secret is configured', () => {
    const stunOnly = createIceServerProvider({ iceServers: [{ urls: 'stun:x' }], turnUrls: [], turnSecret: null, turnTtlS: 60 });
    expect(stunOnly('a')).toEqual([{ urls: 'stun:x' }]);
    const none = createIceServerProvider({ iceServers: [], turnUrls: [], turnSecret: null, turnTtlS: 60 });
    expect(none('a')).toEqual([]);
    const withTurn = createIceServerProvider({
      iceServers: [],
      turnUrls: ['turn:127.0.0.1:3478', 'turn:127.0.0.1:3478?transport=tcp'],
      turnSecret: 'abcdefgh',
      turnTtlS: 60,
    });
    const [turn] = withTurn('peer9');
    expect(turn?.urls).toEqual(['turn:127.0.0.1:3478', 'turn:127.0.0.1:3478?transport=tcp']);
    expect(turn?.username).toMatch(/^\d+:peer9$/);
  });
});
