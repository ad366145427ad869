import { describe, expect, it } from 'vitest';
import type { Packet } from 'socket.io-parser';
import { schemas } from '@meshmeet/protocol';
import { ackIdOf, frameBytes, sizedParser } from './frame-size.js';

/** Decodes one text frame with the server's parser and returns the decoded packet. */
function decode(frame: string): Packet {
  const decoder = new sizedParser.Decoder();
  let packet: Packet | undefined;
  decoder.on('decoded', (p: Packet) => (packet = p));
  decoder.add(frame);
  if (!packet) throw new Error('nothing decoded');
  return packet;
}

describe('frame sizes of decoded signals', () => {
  it('records the UTF-8 size of the frame a signal payload arrived in', () => {
    const frame = '21["signal",{"to":"peer","data":{"candidate":"é"}}]';
    const payload = (decode(frame).data as unknown[])[1];
    expect(frameBytes(payload)).toBe(Buffer.byteLength(frame, 'utf8'));
    expect(Buffer.byteLength(frame, 'utf8')).toBe(frame.length + 1);
  });

  it('leaves the payload as the client sent it: the size does not show in its JSON or keys', () => {
    const payload = (decode('2["signal",{"to":"peer","data":{}}]').data as unknown[])[1] as object;
    expect(JSON.stringify(payload)).toBe('{"to":"peer","data":{}}');
    expect(Object.keys(payload)).toEqual(['to', 'data']);
  });

  it('keeps a decoded signal on the hot path: the plain shape is still recognized without the schema', () => {
    const payload = (decode('21["signal",{"to":"peer-1","data":{"candidate":{"candidate":"candidate:1 1 udp 1 10.0.0.1 5000 typ host"}}}]').data as unknown[])[1];
    expect(frameBytes(payload)).toBeGreaterThan(0);
    expect(schemas.isPlainSignalSend(payload)).toBe(true);
  });

  it('records nothing for other events, and a client cannot claim a size in its JSON', () => {
    const other = (decode('2["chat:send",{"text":"hi"}]').data as unknown[])[1];
    expect(frameBytes(other)).toBeUndefined();
    expect(frameBytes({ frameBytes: 1 })).toBeUndefined();
    expect(frameBytes(JSON.parse('{"to":"x","data":{},"frameBytes":1}'))).toBeUndefined();
  });

  it('notes the ack id of a signal that wants one, and none otherwise', () => {
    expect(ackIdOf((decode('2345["signal",{"to":"peer","data":{}}]').data as unknown[])[1])).toBe(345);
    expect(ackIdOf((decode('2["signal",{"to":"peer","data":{}}]').data as unknown[])[1])).toBeUndefined();
    expect(ackIdOf((decode('27["chat:send",{"text":"hi"}]').data as unknown[])[1])).toBeUndefined();
  });
});
