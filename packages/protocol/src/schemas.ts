import { z } from 'zod';
import { Limits } from './limits.js';

/**
 * Runtime schemas of every inbound payload. The server parses each client event
 * with these before anything else; the web client parses server events with the
 * same schemas, so a bad server cannot crash it either.
 */

/** Code points, not UTF-16 units: "会议室" is 3 characters, as a user would count. */
const codePoints = (s: string): number => [...s].length;

/**
 * Control characters, line/paragraph separators and invisible format characters (\p{Cf}:
 * zero-width spaces, bidi overrides, soft hyphens...) never belong in a display name: they
 * make look-alike names ("Ali\u200Bce" shown as "Alice"). The one exception is U+200D ZERO
 * WIDTH JOINER, which emoji sequences such as 👩‍💻 need.
 */
const FORBIDDEN_CHARS = /[\p{Cc}\p{Zl}\p{Zp}]|(?!\u200D)\p{Cf}/u;

function displayName(max: number, what: string) {
  return z
    .string()
    .transform((s) => s.normalize('NFC').trim())
    .refine((s) => s.length > 0, `${what} must not be empty`)
    .refine((s) => codePoints(s) <= max, `${what} must be at most ${max} characters`)
    .refine((s) => !FORBIDDEN_CHARS.test(s), `${what} must not contain control or invisible formatting characters`);
}

/** A room name: any printable Unicode text, trimmed, 1..64 characters. */
export const RoomName = displayName(Limits.roomNameMax, 'Room name');
/** A participant's nickname, 1..32 characters. */
export const Nick = displayName(Limits.nickMax, 'Name');
/** Server-assigned participant id (opaque, URL-safe). */
export const PeerId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'invalid peer id');
/** An optional room password, 8..128 characters. */
export const Password = z
  .string()
  .min(Limits.passwordMin, `Password must be at least ${Limits.passwordMin} characters`)
  .max(Limits.passwordMax, `Password must be at most ${Limits.passwordMax} characters`);

/** What a participant publishes about its own media. All fields are advisory UI state. */
export const MediaState = z.object({
  /** Microphone is sending audio. */
  mic: z.boolean(),
  /** Camera is sending video. */
  cam: z.boolean(),
  /** A screen share is being sent to the room. */
  sharing: z.boolean(),
  /** The participant is recording (screen or meeting): everyone must be told. */
  recording: z.boolean(),
  /** The MediaStream id of the screen share, so receivers can tell it from the camera. */
  shareStreamId: z.string().max(64).nullable(),
});
/** Default media state of a participant who said nothing. */
export const DEFAULT_MEDIA_STATE: z.infer<typeof MediaState> = {
  mic: false,
  cam: false,
  sharing: false,
  recording: false,
  shareStreamId: null,
};

/** A participant as others see it. */
export const Peer = MediaState.extend({ id: PeerId, nick: z.string() });

/** `room:join`, first time: pick a room and a name. */
export const JoinFresh = z.strictObject({
  room: RoomName,
  nick: Nick,
  password: Password.optional(),
  state: MediaState.partial().optional(),
});
/** `room:join` after a reconnect: the token from the earlier join keeps id and place. */
export const JoinResume = z.strictObject({
  resumeToken: z.string().min(1).max(Limits.resumeTokenMax),
});
/** `room:join` payload. */
export const JoinRequest = z.union([JoinFresh, JoinResume]);

/** `peer:update` payload: the caller's own state; at least one field. */
export const PeerUpdate = MediaState.partial()
  .extend({ nick: Nick.optional() })
  .strict()
  .refine((u) => Object.keys(u).length > 0, 'nothing to update');

/**
 * `signal.data`: a JSON object relayed as is. The server does not interpret it;
 * its size is capped by the server (see {@link Limits.signalDataMaxBytes}).
 */
export const SignalData = z.record(z.string(), z.unknown());
/** `signal` from a client. */
export const SignalSend = z.strictObject({ to: PeerId, data: SignalData });

const PEER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** An object made by `{}` or `JSON.parse`: no array, no class instance. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The common case of {@link SignalSend} checked without zod, for the relay hot path:
 * true only for payloads `SignalSend` accepts with `to` and `data` unchanged (`{to, data}`
 * and no other string key, `to` a peer id, `data` a plain object without symbol keys or a
 * `__proto__` key, which the schema would refuse or strip). False means "not sure": run
 * `SignalSend.safeParse` for the verdict and the error message. The schema stays the
 * definition; a test holds the two together.
 *
 * Symbol keys on the payload itself are allowed: the schema ignores them too, and the
 * server notes each frame's size on the decoded payload under a symbol key. Refusing them
 * sent every relay through the schema.
 */
export function isPlainSignalSend(value: unknown): value is z.infer<typeof SignalSend> {
  if (!isPlainObject(value)) return false;
  let keys = 0;
  for (const key in value) {
    if (key !== 'to' && key !== 'data') return false;
    keys++;
  }
  if (keys !== 2 || !Object.hasOwn(value, 'to') || !Object.hasOwn(value, 'data')) return false;
  const { to, data } = value;
  return (
    typeof to === 'string' &&
    PEER_ID_PATTERN.test(to) &&
    isPlainObject(data) &&
    !Object.hasOwn(data, '__proto__') &&
    Object.getOwnPropertySymbols(data).length === 0
  );
}
/** `signal` as delivered: `from` is set by the server from the sender's socket. */
export const SignalRelay = z.object({ from: PeerId, data: SignalData });

/**
 * Receiver → sender: the tallest camera picture the receiver shows of the sender right
 * now (its tile's height in device pixels); 0 = send no video (tile hidden, off-screen,
 * or "Stop incoming video"). The sender never sends more than asked.
 */
export const VideoWant = z.strictObject({ maxHeight: z.number().int().min(0).max(4320) });

/** Why a sender sends its camera below full quality, or paused it. */
export const BudgetReason = z.enum(['none', 'uplink', 'cpu', 'receiver', 'receiver-off', 'room', 'data-saver', 'share']);

/**
 * Sender → receiver: what the sender's camera sends on this link and why, so the
 * receiver's tile can say "video paused: their upload is too slow" instead of freezing.
 */
export const VideoSending = z.strictObject({
  active: z.boolean(),
  height: z.number().int().min(0).max(4320),
  reason: BudgetReason,
});

/**
 * Which RTCPeerConnection of a pair a signal belongs to. Both sides start at 0; a side
 * whose connection can no longer negotiate builds a new one with the next number and
 * offers from it, and the other side, on an offer with a higher number, replaces its
 * own. Signals with a lower number belong to a replaced connection and are dropped.
 * Absent = the receiver's current connection.
 */
export const PeerGeneration = z.number().int().min(0).max(1_000_000);

/**
 * What web clients put inside `signal.data` (the server never looks inside; receivers
 * validate with this): an SDP description for perfect negotiation, or one trickled ICE
 * candidate (`null` = end of candidates), each tagged with its connection's
 * {@link PeerGeneration}. The budget's messages are {@link PeerNotice}. Defined by the web
 * client; see docs/protocol.md.
 */
export const PeerSignal = z.union([
  z.object({
    description: z.object({
      type: z.enum(['offer', 'answer', 'pranswer', 'rollback']),
      sdp: z.string().max(Limits.signalDataMaxBytes).optional(),
    }),
    generation: PeerGeneration.optional(),
  }),
  z.object({
    generation: PeerGeneration.optional(),
    candidate: z
      .object({
        candidate: z.string().max(2048),
        sdpMid: z.string().max(256).nullable().optional(),
        sdpMLineIndex: z.number().int().min(0).nullable().optional(),
        usernameFragment: z.string().max(256).nullable().optional(),
      })
      .nullable(),
  }),
]);

/**
 * The other kind of `signal.data` web clients exchange: not negotiation but the video
 * budget — a receiver's request ({@link VideoWant}) or a sender's notice ({@link VideoSending}).
 */
export const PeerNotice = z.union([z.strictObject({ want: VideoWant }), z.strictObject({ sending: VideoSending })]);

/** `chat:send` payload. */
export const ChatSend = z.strictObject({
  text: z
    .string()
    .transform((s) => s.trim())
    .refine((s) => s.length > 0, 'message must not be empty')
    .refine((s) => codePoints(s) <= Limits.chatMax, `message must be at most ${Limits.chatMax} characters`),
});
/** `chat:message` delivered to everyone in the room, the sender included. */
export const ChatMessage = z.object({
  id: z.string(),
  from: PeerId,
  nick: z.string(),
  text: z.string(),
  at: z.number(),
});

/** One ICE server entry, as RTCIceServer. */
export const IceServer = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});

/** Data of a successful `room:join` ack. */
export const JoinResult = z.object({
  room: z.string(),
  self: Peer,
  /** Everyone else already in the room (not `self`). */
  members: z.array(Peer),
  iceServers: z.array(IceServer),
  /** Send `{resumeToken}` in `room:join` after a reconnect, within `resumeGraceMs`. */
  resumeToken: z.string(),
  resumeGraceMs: z.number(),
  /** True when this join resumed an earlier session (same id, no leave/join seen by peers). */
  resumed: z.boolean(),
  /**
   * True when the room has a password: only people who know it can be in it. This server
   * always sends it; optional only so clients and test doubles written before it still parse.
   */
  hasPassword: z.boolean().optional(),
});

/** `peer:left` payload. */
export const PeerLeft = z.object({
  id: PeerId,
  reason: z.enum(['left', 'disconnected', 'node-down']),
});
/** `peer:updated` payload: the id and the fields that changed. */
export const PeerUpdated = MediaState.partial().extend({ id: PeerId, nick: z.string().optional() });

/** `server:shutdown`: the node is going away; reconnect (the token keeps your place). */
export const ServerShutdown = z.object({ reconnectAfterMs: z.number() });

/** Handshake `auth` object sent by socket.io clients. */
export const HandshakeAuth = z.object({ v: z.number().int() });

/** Byte length of a value serialized as JSON (UTF-8), or Infinity when it cannot be serialized. */
export function jsonByteLength(value: unknown): number {
  try {
    const json = JSON.stringify(value);
    return json === undefined ? 0 : new TextEncoder().encode(json).length;
  } catch {
    return Infinity;
  }
}
