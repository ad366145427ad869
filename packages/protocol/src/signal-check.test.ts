import { describe, expect, it } from 'vitest';
import { schemas } from './index.js';

/** Payloads as a client could send them (after JSON decoding), valid and not. */
function corpus(): unknown[] {
  const sdp = { description: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' } };
  const ice = { candidate: { candidate: 'candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } };
  const nullProto = Object.assign(Object.create(null) as object, { to: 'peer-1', data: ice });
  const withSymbol = { to: 'p', data: { [Symbol('x')]: 1, a: 1 } };
  // The server notes a frame's size on the decoded payload under a symbol key.
  const noted = { to: 'peer-2', data: ice, [Symbol('frameBytes')]: 180 };
  class Custom {
    to = 'p';
    data = {};
  }
  return [
    { to: 'peer-1', data: sdp },
    { to: 'A_b-9', data: ice },
    { to: 'x'.repeat(64), data: {} },
    nullProto,
    JSON.parse('{"to":"p","data":{"__proto__":{"polluted":1},"a":1}}'),
    JSON.parse('{"data":{"a":1},"to":"p"}'),
    noted,
    { to: 'x'.repeat(65), data: {} },
    { to: '', data: {} },
    { to: 'bad id', data: {} },
    { to: 'p\n', data: {} },
    { to: 'p', data: {}, from: 'someone-else' },
    { to: 'p' },
    { data: {} },
    { to: 'p', data: undefined },
    { to: 'p', data: null },
    { to: 'p', data: [] },
    { to: 'p', data: 'text' },
    { to: 'p', data: Buffer.from('x') },
    { to: 42, data: {} },
    withSymbol,
    new Custom(),
    [],
    null,
    'signal',
    7,
    undefined,
  ];
}

describe('isPlainSignalSend', () => {
  it('accepts only payloads the SignalSend schema accepts, with their to and data unchanged', () => {
    for (const payload of corpus()) {
      if (!schemas.isPlainSignalSend(payload)) continue;
      const parsed = schemas.SignalSend.safeParse(payload);
      expect(parsed.success, JSON.stringify(payload)).toBe(true);
      expect(parsed.data).toEqual({ to: payload.to, data: payload.data });
    }
  });

  it('decides the SDP and ICE payloads clients send without the schema', () => {
    const [sdp, ice, longestId, nullProto, , reordered, noted] = corpus();
    for (const payload of [sdp, ice, longestId, nullProto, reordered, noted]) expect(schemas.isPlainSignalSend(payload)).toBe(true);
  });

  it('leaves every payload the schema refuses or would change to the schema', () => {
    const [, , , , protoKey, , , ...rest] = corpus();
    expect(schemas.isPlainSignalSend(protoKey)).toBe(false);
    for (const payload of rest) {
      expect(schemas.isPlainSignalSend(payload), String(JSON.stringify(payload))).toBe(false);
    }
  });
});
