import { ok, type Ack } from '@meshmeet/protocol';
import type { SignalPayload } from '../rooms/relay-service.js';
import { PacketType } from './frame-size.js';
import type { MeshSocket } from './types.js';

/**
 * The two packets of every relay, written as socket.io would encode them straight to the
 * socket's engine.io connection (`socket.conn.write`, engine.io's public API), the way
 * socket.io itself writes a broadcast it encoded once.
 *
 * Why: a relay costs the server two packets, the `signal` to its target and the ack to
 * its sender, and on this path socket.io's own `emit` and ack build a packet object each,
 * walk the payload looking for binary parts and only then serialize it. The payloads here
 * cannot hold binary parts (a `signal` whose frame was measured came as one text frame, and
 * the ack is a constant), so the walk finds nothing, and the string is what socket.io would
 * have written. The format is the Socket.IO protocol v5 (socket.io-parser's
 * `encodeAsString`): packet type, then for an ack its id, then the JSON array of
 * arguments; the namespace is left out because it is the main one (`/`), the only one this
 * server serves.
 */

const EVENT = String(PacketType.EVENT);
const ACK = String(PacketType.ACK);

/** Whether packets for `socket` may be written pre-encoded: it is on the main namespace and open. */
function writable(socket: MeshSocket): boolean {
  return socket.nsp.name === '/' && socket.connected;
}

/** Sends `signal` with `payload` to `socket` (as `socket.emit('signal', payload)` would). */
export function writeSignal(socket: MeshSocket, payload: SignalPayload): void {
  if (!writable(socket)) return void socket.emit('signal', payload);
  socket.conn.write(`${EVENT}["signal",${JSON.stringify(payload)}]`);
}

/** The ack of a relay that was delivered, serialized once. */
export const DELIVERED: Ack<null> = ok(null);
const DELIVERED_ARGS = JSON.stringify([DELIVERED]);

/**
 * Acks relay `ackId` of `socket` with {@link DELIVERED} (as the ack callback socket.io gave
 * the handler would); `fallback` is that callback, used when the packet cannot be written
 * pre-encoded.
 */
export function writeDelivered(socket: MeshSocket, ackId: number, fallback: (answer: Ack<null>) => void): void {
  if (!writable(socket)) return fallback(DELIVERED);
  socket.conn.write(`${ACK}${ackId}${DELIVERED_ARGS}`);
}
