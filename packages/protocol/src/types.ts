import type { z } from 'zod';
import type * as S from './schemas.js';
import type { Ack } from './ack.js';

/** A participant's media flags. */
export type MediaState = z.infer<typeof S.MediaState>;
/** A participant as seen by others. */
export type Peer = z.infer<typeof S.Peer>;
/** `room:join` payload (fresh or resume). */
export type JoinRequest = z.input<typeof S.JoinRequest>;
/** Data of a successful `room:join` ack. */
export type JoinResult = z.infer<typeof S.JoinResult>;
/** `peer:update` payload. */
export type PeerUpdate = z.input<typeof S.PeerUpdate>;
/** `peer:updated` payload. */
export type PeerUpdated = z.infer<typeof S.PeerUpdated>;
/** `peer:left` payload. */
export type PeerLeft = z.infer<typeof S.PeerLeft>;
/** `signal` payload from a client. */
export type SignalSend = z.infer<typeof S.SignalSend>;
/** `signal` payload as delivered. */
export type SignalRelay = z.infer<typeof S.SignalRelay>;
/** `chat:send` payload. */
export type ChatSend = z.input<typeof S.ChatSend>;
/** `chat:message` payload. */
export type ChatMessage = z.infer<typeof S.ChatMessage>;
/** One RTCIceServer entry. */
export type IceServer = z.infer<typeof S.IceServer>;
/** `server:shutdown` payload. */
export type ServerShutdown = z.infer<typeof S.ServerShutdown>;

/** `room:join` payload of a first join (room, name, optional password and media state). */
export type FreshJoin = z.infer<typeof S.JoinFresh>;
/**
 * What the web client puts in `signal.data`: a session description or one trickled ICE
 * candidate. The server never looks inside; this type is a contract between clients only.
 */
export type PeerSignal = z.infer<typeof S.PeerSignal>;

/** The video budget's `signal.data`: a receiver's request or a sender's notice. */
export type PeerNotice = z.infer<typeof S.PeerNotice>;

/** Receiver → sender: the tallest camera picture shown of the sender; 0 = no video. */
export type VideoWant = z.infer<typeof S.VideoWant>;
/** Why a camera is sent below full quality (or paused). */
export type BudgetReason = z.infer<typeof S.BudgetReason>;
/** Sender → receiver: what the camera sends on this link and why. */
export type VideoSending = z.infer<typeof S.VideoSending>;

/** Acks are optional on the wire: a client may omit the callback. */
type AckFn<T> = (ack: Ack<T>) => void;

/** Events a client sends. The ack callback may be missing; the server copes. */
export interface ClientToServerEvents {
  'room:join': (payload: JoinRequest, ack: AckFn<JoinResult>) => void;
  'room:leave': (ack: AckFn<null>) => void;
  'peer:update': (payload: PeerUpdate, ack: AckFn<null>) => void;
  signal: (payload: SignalSend, ack: AckFn<null>) => void;
  'chat:send': (payload: ChatSend, ack: AckFn<ChatMessage>) => void;
}

/** Events the server sends. */
export interface ServerToClientEvents {
  'peer:joined': (peer: Peer) => void;
  'peer:left': (payload: PeerLeft) => void;
  'peer:updated': (payload: PeerUpdated) => void;
  signal: (payload: SignalRelay) => void;
  'chat:message': (message: ChatMessage) => void;
  'server:shutdown': (payload: ServerShutdown) => void;
}
