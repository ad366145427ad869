import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import type * as SocketIoParser from 'socket.io-parser';
import { DELIVERED, writeDelivered, writeSignal } from './pre-encoded.js';
import type { MeshSocket } from './types.js';

const { Encoder, PacketType } = createRequire(import.meta.url)('socket.io-parser') as typeof SocketIoParser;

/** A socket that records what is written to its connection and what is emitted through socket.io. */
function fakeSocket(nsp = '/', connected = true) {
  const written: string[] = [];
  const emitted: unknown[][] = [];
  const socket = { nsp: { name: nsp }, connected, conn: { write: (s: string) => written.push(s) }, emit: (...a: unknown[]) => emitted.push(a) };
  return { socket: socket as unknown as MeshSocket, written, emitted };
}

/** What socket.io itself would write for `packet` on the main namespace. */
function socketIoWrites(packet: SocketIoParser.Packet): unknown[] {
  return new Encoder().encode(packet);
}

describe('pre-encoded relay packets', () => {
  const payload = { from: 'peer-a', data: { candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 5000 typ host', sdpMid: '0' }, note: 'é"\\' } };

  it('writes a signal exactly as socket.io encodes `emit("signal", payload)`', () => {
    const { socket, written, emitted } = fakeSocket();
    writeSignal(socket, payload);
    expect(written).toEqual(socketIoWrites({ type: PacketType.EVENT, nsp: '/', data: ['signal', payload] }));
    expect(emitted).toEqual([]);
  });

  it('writes the ack of a delivered relay exactly as socket.io encodes the ack callback', () => {
    const { socket, written } = fakeSocket();
    const fallback = (): void => {
      throw new Error('not expected');
    };
    writeDelivered(socket, 7, fallback);
    writeDelivered(socket, 123456, fallback);
    expect(written).toEqual([
      ...socketIoWrites({ type: PacketType.ACK, nsp: '/', id: 7, data: [DELIVERED] }),
      ...socketIoWrites({ type: PacketType.ACK, nsp: '/', id: 123456, data: [DELIVERED] }),
    ]);
  });

  it('leaves a socket it cannot write for (another namespace, or closed) to socket.io', () => {
    for (const [nsp, connected] of [['/other', true], ['/', false]] as const) {
      const { socket, written, emitted } = fakeSocket(nsp, connected);
      const acked: unknown[] = [];
      writeSignal(socket, payload);
      writeDelivered(socket, 1, (a) => acked.push(a));
      expect(written).toEqual([]);
      expect(emitted).toEqual([['signal', payload]]);
      expect(acked).toEqual([DELIVERED]);
    }
  });
});
