import { createRequire } from 'node:module';
import type * as SocketIoParser from 'socket.io-parser';
import type { Packet } from 'socket.io-parser';

// The CommonJS build, the one socket.io itself loads: an ESM import would get the
// `esm-debug` build, whose debug() calls cost CPU on every packet.
const { Decoder, Encoder, PacketType } = createRequire(import.meta.url)('socket.io-parser') as typeof SocketIoParser;

/**
 * Key of the byte size of the frame each inbound `signal` payload arrived in, recorded on
 * the payload while socket.io decodes it. The relay path reads it to check the size limit
 * and charge the socket's bytes budget without serializing the payload a second time.
 *
 * A property, not a WeakMap: the WeakMap's entries made about a tenth of what survived each
 * young-generation collection at 2,500 relays/s (survivors per scavenge 912 KB with it,
 * 813 KB without, `node --trace-gc-nvp`), and what survives two is promoted, to be freed
 * only by a major collection. A symbol key cannot come from JSON, so a client cannot forge
 * it, and JSON.stringify leaves it out.
 */
const FRAME_BYTES = Symbol('frameBytes');
/**
 * Key of the id the client gave the `signal` for its ack, recorded beside the frame size,
 * so that the ack of a delivered relay can be written pre-encoded (pre-encoded.ts).
 */
const ACK_ID = Symbol('ackId');

type Sized = { [FRAME_BYTES]?: number; [ACK_ID]?: number };

/** A socket.io decoder that notes the size of every text `signal` event it decodes. */
class SizedDecoder extends Decoder {
  /** Size of the text frame being decoded; 0 for binary parts (their payloads are measured exactly later). */
  private frameBytes = 0;

  constructor(opts?: ConstructorParameters<typeof SocketIoParser.Decoder>[0]) {
    super(opts);
    // Registered before socket.io's own listener, so the size is known when the handler runs.
    this.on('decoded', (packet: Packet) => {
      if (this.frameBytes === 0 || packet.type !== PacketType.EVENT || !Array.isArray(packet.data) || packet.data[0] !== 'signal') return;
      const payload: unknown = packet.data[1];
      if (payload === null || typeof payload !== 'object') return;
      (payload as Sized)[FRAME_BYTES] = this.frameBytes;
      if (packet.id !== undefined) (payload as Sized)[ACK_ID] = packet.id;
    });
  }

  override add(obj: unknown): void {
    this.frameBytes = typeof obj === 'string' ? Buffer.byteLength(obj, 'utf8') : 0;
    super.add(obj);
  }
}

/** The parser to give socket.io (`new Server(http, { parser })`). */
export const sizedParser = { Encoder, Decoder: SizedDecoder };

/** Socket.IO packet types, from the same build of socket.io-parser that socket.io uses. */
export { PacketType };

/** Size in bytes of the frame that carried `payload`, or undefined when none was recorded (binary frames). */
export function frameBytes(payload: unknown): number | undefined {
  return payload !== null && typeof payload === 'object' ? (payload as Sized)[FRAME_BYTES] : undefined;
}

/**
 * The ack id of the text frame that carried `payload`, or undefined when the client wants
 * no ack or the frame was not measured (binary frames).
 */
export function ackIdOf(payload: unknown): number | undefined {
  return payload !== null && typeof payload === 'object' ? (payload as Sized)[ACK_ID] : undefined;
}
