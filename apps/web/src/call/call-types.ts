import type { ChatMessage, FreshJoin, JoinResult, Peer, PeerNotice, PeerSignal, PeerUpdate, VideoSending } from '@meshmeet/protocol';
import type { LinkSendReport } from '../media/budget-controller';
import type { CodedError } from '../lib/coded-error';
import type { CallStatus, SignalingEvents } from '../signaling/signaling-types';
import type { RemoteParticipant } from './participants';

/**
 * What we send: the camera and microphone of now. The caller keeps owning the tracks
 * (it captured them, it stops them).
 */
export interface OutgoingMedia {
  /** The stream carrying camera + microphone (named in the SDP so receivers keep lip sync). */
  stream: MediaStream | null;
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
  /** The user wants the microphone heard (a muted track stays attached, disabled). */
  micOn: boolean;
}

/** Options of {@link CallSession.join}. */
export interface JoinOptions {
  room: string;
  nick: string;
  password?: string;
  /** Camera + microphone to send; no live track joins receive-only. */
  media: OutgoingMedia;
  /** `relay` sends media only through TURN. @default 'all' */
  iceTransportPolicy?: RTCIceTransportPolicy;
}

/**
 * The signaling a call needs: the parts of `SignalingClient` it uses, so the session
 * can be tested against a scripted fake.
 */
export interface CallSignaling {
  /** Ourselves as the server sees us, with our latest flags; null before a join. */
  readonly self: Peer | null;
  join(request: FreshJoin): Promise<JoinResult>;
  leave(): Promise<void>;
  close(): void;
  update(patch: PeerUpdate): Promise<void>;
  signal(to: string, data: PeerSignal | PeerNotice): Promise<void>;
  sendChat(text: string): Promise<ChatMessage>;
  on<K extends keyof SignalingEvents>(event: K, listener: SignalingEvents[K]): () => void;
}

/** Events of a call session. Listeners that throw are reported and never reach the call. */
export interface CallSessionEvents {
  /** Where the call is now. */
  status: (status: CallStatus) => void;
  /** A failure to show: fatal ones (join refused, resume refused) also set status `error`. */
  error: (error: CodedError) => void;
  /** Our own participant changed (id after a rejoin, flags we published); null after leaving. */
  self: (self: Peer | null) => void;
  /**
   * The room's normalised name and whether it has a password (null when the server does
   * not say), on every join; both null after leaving.
   */
  room: (room: string | null, hasPassword: boolean | null) => void;
  /** The remote participants (a new array on every change). */
  participants: (participants: readonly RemoteParticipant[]) => void;
  /** The chat log (a new array on every message). */
  chat: (messages: readonly ChatMessage[]) => void;
  /** Our outgoing screen share started or ended (null also when the capture ended by itself). */
  share: (stream: MediaStream | null) => void;
}

/** The video budget of the link to one participant. */
export interface LinkBudget {
  /** What we send them and why (null before the first sample). */
  outgoing: LinkSendReport | null;
  /** What they announced they send us. */
  incoming: VideoSending | null;
}
