import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import type {
  ChatMessage,
  JoinResult,
  Peer,
  PeerLeft,
  PeerUpdated,
  ServerShutdown,
  SignalRelay,
} from '@meshmeet/protocol';
import type { SignalingError } from './signaling-error';

/**
 * Where a call is: the lifecycle of its {@link SignalingClient}, which the call session and
 * the UI use unchanged. `reconnecting`: signaling dropped, media may still flow.
 */
export type CallStatus = 'idle' | 'joining' | 'joined' | 'reconnecting' | 'left' | 'error';

/** Events of a {@link SignalingClient}. Listeners that throw are reported, never propagated. */
export interface SignalingEvents {
  /** The status changed. */
  status: (status: CallStatus) => void;
  /** After a reconnect the server kept our place: same id, peers never saw us leave. */
  resumed: (result: JoinResult) => void;
  /** After a reconnect the resume failed and we joined again: new id, rebuild the mesh. */
  rejoined: (result: JoinResult) => void;
  /** Someone joined our room. */
  peerJoined: (peer: Peer) => void;
  /** Someone left our room. */
  peerLeft: (payload: PeerLeft) => void;
  /** Someone changed their media state or name. */
  peerUpdated: (payload: PeerUpdated) => void;
  /** An SDP or ICE message from a peer (its `data` is still unchecked beyond "an object"). */
  signal: (payload: SignalRelay) => void;
  /** A chat message (ours included). */
  chat: (message: ChatMessage) => void;
  /** The server node is going away; we reconnect by ourselves. */
  shutdown: (payload: ServerShutdown) => void;
  /** An inbound message failed validation and was dropped. */
  protocolError: (info: { event: string; issues: string }) => void;
  /** A failure worth showing; fatal ones also set the status to `error`. */
  error: (error: SignalingError) => void;
}

/** Options of {@link SignalingClient}. */
export interface SignalingClientOptions {
  /** Server origin. @default the page's own origin */
  url?: string;
  /** socket.io path. @default '/socket.io' */
  path?: string;
  /** How long to wait for an ack. @default 10000 */
  ackTimeoutMs?: number;
  /** How long a first connection may take before `join` fails with CONNECT_FAILED. @default 10000 */
  connectTimeoutMs?: number;
  /** Signals kept while reconnecting, sent after a resume (oldest dropped first). @default 500 */
  maxQueuedSignals?: number;
  /** Extra socket.io options (tests shorten the reconnection delays). */
  io?: Partial<ManagerOptions & SocketOptions>;
}

