import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';
// Types only: the call engine (socket.io-client, zod, the mesh) is loaded on the first
// join, so the first screen (the lobby) downloads only Vue, the lobby and device code.
import type { ChatMessage, MediaState, Peer } from '@meshmeet/protocol';
import type { CallSession, JoinOptions, OutgoingMedia } from '../call/call-session';
import type { RemoteParticipant } from '../call/participants';
import type { CallStatus } from '../signaling/signaling-types';
import type { ConnectionDetails } from '../media/stats';
import { toCodedError, type CodedError } from '../lib/coded-error';
import { installDebugHook } from '../call/debug-hook';
import { bindVideoBudget, videoBudgetOptions } from './useVideoBudget';
import { config, readPageOptions } from '../config';

export type { RemoteParticipant } from '../call/participants';
export type { JoinOptions, OutgoingMedia } from '../call/call-session';

/** What {@link useCall} returns. Streams live in shallow refs (never deep-proxied). */
export interface UseCallReturn {
  status: Readonly<Ref<CallStatus>>;
  error: Readonly<Ref<CodedError | null>>;
  self: Readonly<ShallowRef<Peer | null>>;
  room: Readonly<Ref<string | null>>;
  /** Whether the room has a password (from the join result); null before joining or when the server does not say. */
  roomProtected: Readonly<Ref<boolean | null>>;
  participants: Readonly<ShallowRef<readonly RemoteParticipant[]>>;
  chat: Readonly<ShallowRef<readonly ChatMessage[]>>;
  /** The screen we share, or null (becomes null by itself when the capture ends). */
  share: Readonly<ShallowRef<MediaStream | null>>;
  /** Joins a room; rejects (and sets `error`) with the server's code, e.g. ROOM_FULL. */
  join(options: JoinOptions): Promise<void>;
  /** Closes every connection and leaves. Local tracks are NOT stopped: their owner does that. */
  leave(): Promise<void>;
  sendChat(text: string): Promise<void>;
  /** Publishes our own flags (mic, cam, recording, …) to the room. */
  updateState(patch: Partial<MediaState>): Promise<void>;
  /** The camera/microphone to send now; see {@link CallSession.setMedia}. */
  setMedia(media: OutgoingMedia): void;
  /** Shares a screen to everyone (and to later joiners); stops by itself when the capture ends. */
  startShare(stream: MediaStream): Promise<void>;
  stopShare(): Promise<void>;
  /** RTT, bitrate, loss and route of the connection to one participant. */
  getPeerStats(id: string): Promise<ConnectionDetails>;
  /** The live connection to one participant (read-only use: its security code), or null. */
  peerConnection(id: string): RTCPeerConnection | null;
  /** Every live connection by participant id (read-only use: speech levels). */
  peerConnections(): ReadonlyMap<string, RTCPeerConnection>;
}

const status = ref<CallStatus>('idle');
const error = ref<CodedError | null>(null);
const self = shallowRef<Peer | null>(null);
const room = ref<string | null>(null);
const roomProtected = ref<boolean | null>(null);
const participants = shallowRef<readonly RemoteParticipant[]>([]);
const chat = shallowRef<readonly ChatMessage[]>([]);
const share = shallowRef<MediaStream | null>(null);
let session: CallSession | null = null;
/** Media handed to `setMedia` while the engine was still loading, for the join to use. */
let earlyMedia: OutgoingMedia | null = null;
/** Bumped by every join and leave: a join that a leave overtook must not come back to life. */
let generation = 0;

/**
 * The call, as Vue state: a mirror of the current {@link CallSession} (which holds all
 * the logic) into refs. One call per page: every component that calls `useCall()` gets
 * the same refs (the lobby, the grid, the recorder all see one call).
 */
export function useCall(): UseCallReturn {
  return {
    status,
    error,
    self,
    room,
    roomProtected,
    participants,
    chat,
    share,
    join,
    leave,
    sendChat: (text) => requireSession().sendChat(text),
    updateState: async (patch) => session?.updateState(patch),
    setMedia,
    startShare: (stream) => requireSession().startShare(stream),
    stopShare: async () => session?.stopShare(),
    getPeerStats,
    peerConnection: (id) => session?.peerConnections().get(id) ?? null,
    peerConnections: () => session?.peerConnections() ?? new Map(),
  };
}

let engine: Promise<typeof import('../call/call-session')> | null = null;
function loadEngine(): Promise<typeof import('../call/call-session')> {
  engine ??= import('../call/call-session');
  // A failed chunk load (offline for a moment) must not poison later attempts.
  engine.catch(() => (engine = null));
  return engine;
}

async function join(options: JoinOptions): Promise<void> {
  if (session || status.value === 'joining') throw new Error('Already in a call; leave first');
  const gen = ++generation;
  status.value = 'joining';
  error.value = null;
  participants.value = [];
  chat.value = [];
  earlyMedia = null;
  try {
    const { CallSession } = await loadEngine();
    if (gen !== generation) return;
    const page = readPageOptions(typeof location === 'undefined' ? '' : location.search);
    const s = CallSession.connect(config.signalingUrl, { budget: videoBudgetOptions(page.budget) });
    bindVideoBudget(() => s.videoBudget);
    session = s;
    mirror(s);
    onPageHide(true);
    await s.join(earlyMedia ? { ...options, media: earlyMedia } : options);
  } catch (e) {
    if (gen !== generation) return;
    session = null;
    onPageHide(false);
    error.value = toCodedError(e);
    status.value = 'error';
    throw e;
  }
}

async function leave(): Promise<void> {
  generation++;
  const s = session;
  session = null;
  onPageHide(false);
  if (s) await s.leave();
  participants.value = [];
  self.value = null;
  room.value = null;
  roomProtected.value = null;
  share.value = null;
  status.value = 'left';
}

function mirror(s: CallSession): void {
  s.on('status', (v) => (status.value = v));
  s.on('error', (v) => (error.value = v));
  s.on('self', (v) => (self.value = v ? { ...v } : null));
  s.on('room', (name, hasPassword) => {
    room.value = name;
    roomProtected.value = hasPassword;
  });
  s.on('participants', (v) => (participants.value = v));
  s.on('chat', (v) => (chat.value = v));
  s.on('share', (v) => (share.value = v));
}

function setMedia(media: OutgoingMedia): void {
  if (session) session.setMedia(media);
  else if (status.value === 'joining') earlyMedia = media;
}

async function getPeerStats(id: string): Promise<ConnectionDetails> {
  if (!session) throw new Error('Not in a call');
  return session.getPeerStats(id);
}

function requireSession(): CallSession {
  if (!session || status.value === 'idle') throw new Error('Not in a call');
  return session;
}

/** Tells the room right away when the tab goes (else peers wait out the resume grace). */
function leaveOnPageHide(): void {
  if (session) void leave();
}
function onPageHide(inCall: boolean): void {
  if (typeof window === 'undefined') return;
  if (inCall) window.addEventListener('pagehide', leaveOnPageHide);
  else window.removeEventListener('pagehide', leaveOnPageHide);
}

if (typeof window !== 'undefined') {
  installDebugHook(window, readPageOptions(window.location?.search ?? '').debug, {
    peerConnections: () => session?.peerConnections() ?? new Map(),
    selfId: () => self.value?.id ?? null,
    status: () => status.value,
    connectionDetails: getPeerStats,
    budget: (id) => session?.budget(id) ?? null,
  });
}
