import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';
// Types only: the engine (socket.io-client, zod, the mesh) is loaded on the first join
// so the first screen stays small (issue 3: initial JS ≤ 60 KB gzip).
import type { ChatMessage, JoinResult, MediaState, Peer, PeerUpdate, PeerUpdated } from '@meshmeet/protocol';
import type { SignalingClient } from '../signaling/signaling-client';
import type { Mesh } from '../media/mesh';
import type { RemoteMedia } from '../media/peer-remote-streams';
import type { ConnectionDetails } from '../media/stats';
import { config, readPageOptions } from '../config';

/** Where the call is. `reconnecting`: signaling dropped; media may still flow. */
export type CallStatus = 'idle' | 'joining' | 'joined' | 'reconnecting' | 'left' | 'error';

/** A failure to show; `code` is a protocol ErrorCode or a client code (TIMEOUT, CONNECT_FAILED, …). */
export interface CallError {
  code: string;
  message: string;
}

/** A remote participant as the UI renders it. */
export type RemoteParticipant = Peer & {
  /** Microphone + camera; null until media arrives (or never, for receive-only peers). */
  cameraStream: MediaStream | null;
  /** Their screen share, shown as its own tile. */
  shareStream: MediaStream | null;
  connectionState: RTCPeerConnectionState;
};

/** Options of {@link UseCallReturn.join}. */
export interface JoinOptions {
  room: string;
  nick: string;
  password?: string;
  /** Camera + microphone to send; null joins receive-only. The caller keeps owning its tracks. */
  localStream: MediaStream | null;
  /** Initial flags others see (mic, cam, …). */
  state: Partial<MediaState>;
  /** `relay` sends media only through TURN. @default 'all' */
  iceTransportPolicy?: RTCIceTransportPolicy;
}

/** What {@link useCall} returns. Streams live in shallow refs (never deep-proxied). */
export interface UseCallReturn {
  status: Readonly<Ref<CallStatus>>;
  error: Readonly<Ref<CallError | null>>;
  self: Readonly<ShallowRef<Peer | null>>;
  room: Readonly<Ref<string | null>>;
  /** Whether the room has a password (from the join result); null before joining or when the server does not say. */
  roomProtected: Readonly<Ref<boolean | null>>;
  participants: Readonly<ShallowRef<readonly RemoteParticipant[]>>;
  chat: Readonly<ShallowRef<readonly ChatMessage[]>>;
  /** Joins a room; rejects (and sets `error`) with the server's code, e.g. ROOM_FULL. */
  join(options: JoinOptions): Promise<void>;
  /** Closes every connection and leaves. Local tracks are NOT stopped: their owner does that. */
  leave(): Promise<void>;
  sendChat(text: string): Promise<void>;
  /** Publishes our own flags (mic, cam, recording, …) to the room. */
  updateState(patch: Partial<MediaState>): Promise<void>;
  /** Sends another camera/mic track (device switch), or null to send nothing. No renegotiation. */
  replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void>;
  /** Shares a screen to everyone (and to later joiners); stops by itself when the capture ends. */
  startShare(stream: MediaStream): Promise<void>;
  stopShare(): Promise<void>;
  /** RTT, bitrate, loss and route of the connection to one participant. */
  getPeerStats(id: string): Promise<ConnectionDetails>;
  /** The live connection to one participant (read-only use: its security code), or null. */
  peerConnection(id: string): RTCPeerConnection | null;
  /**
   * Optional head start: loads the call engine and opens the signaling connection
   * before `join` (call it when the lobby shows). Never throws; `join` works without it.
   */
  prepare(): void;
}

/** Most chat messages kept in memory. */
const CHAT_LIMIT = 500;

interface Session {
  client: SignalingClient;
  /** The Mesh class, kept from the lazy import so rebuilding the mesh is synchronous. */
  MeshClass: typeof Mesh;
  mesh: Mesh | null;
  options: JoinOptions;
  /** The camera/mic tracks being sent now (replaceTrack changes them), for mesh rebuilds. */
  tracks: { audio: MediaStreamTrack | null; video: MediaStreamTrack | null };
  share: MediaStream | null;
  onShareEnded: (() => void) | null;
}

const status = ref<CallStatus>('idle');
const error = ref<CallError | null>(null);
const self = shallowRef<Peer | null>(null);
const room = ref<string | null>(null);
const roomProtected = ref<boolean | null>(null);
const participants = shallowRef<readonly RemoteParticipant[]>([]);
const chat = shallowRef<readonly ChatMessage[]>([]);
let session: Session | null = null;
let generation = 0;

/**
 * The call, as Vue state. One call per page: every component that calls `useCall()`
 * gets the same refs (the lobby, the grid, the recorder all see one call).
 *
 * Invariants: the engine never stops local tracks (useLocalMedia / useScreenShare own
 * them); the newcomer offers (see `media/mesh.ts`).
 */
export function useCall(): UseCallReturn {
  return { status, error, self, room, roomProtected, participants, chat, join, leave, sendChat, updateState, replaceTrack, startShare, stopShare, getPeerStats, peerConnection, prepare };
}

type Engine = [typeof import('../signaling/signaling-client'), typeof import('../media/mesh')];
let engine: Promise<Engine> | null = null;
/** A connected, not yet joined client made by prepare(). */
let spare: Promise<SignalingClient | null> | null = null;

function loadEngine(): Promise<Engine> {
  engine ??= Promise.all([import('../signaling/signaling-client'), import('../media/mesh')]);
  // A failed chunk load (offline for a moment) must not poison later attempts.
  engine.catch(() => (engine = null));
  return engine;
}

function prepare(): void {
  if (spare || session) return;
  spare = loadEngine()
    .then(async ([{ SignalingClient }]) => {
      const client = new SignalingClient({ url: config.signalingUrl });
      try {
        await client.connect();
        return client;
      } catch {
        client.close();
        return null;
      }
    })
    .catch(() => null);
}

/** The prepared client if it is still usable, else null (and it is closed). */
async function takeSpare(): Promise<SignalingClient | null> {
  const pending = spare;
  spare = null;
  const client = pending ? await pending : null;
  if (client && client.status === 'idle') return client;
  client?.close();
  return null;
}

async function join(options: JoinOptions): Promise<void> {
  if (session || status.value === 'joining') throw new Error('Already in a call; leave first');
  // leave() bumps the generation: a join it overtook must not come back to life.
  const gen = ++generation;
  status.value = 'joining';
  error.value = null;
  participants.value = [];
  chat.value = [];
  let s: Session | null = null;
  try {
    const [{ SignalingClient }, { Mesh }] = await loadEngine();
    const prepared = await takeSpare();
    if (gen !== generation) {
      prepared?.close();
      return;
    }
    s = {
      client: prepared ?? new SignalingClient({ url: config.signalingUrl }),
      MeshClass: Mesh,
      mesh: null,
      options,
      tracks: {
        audio: options.localStream?.getAudioTracks()[0] ?? null,
        video: options.localStream?.getVideoTracks()[0] ?? null,
      },
      share: null,
      onShareEnded: null,
    };
    session = s;
    wireClient(s);
    const result = await s.client.join({
      room: options.room,
      nick: options.nick,
      password: options.password,
      state: options.state,
    });
    if (gen !== generation || session !== s) {
      void s.client.leave(); // left while joining: do not stay in the room
      return;
    }
    // Synchronously, before the client replays the events it held during the join.
    startMesh(s, result);
    status.value = 'joined';
  } catch (e) {
    s?.mesh?.close();
    s?.client.close();
    if (gen !== generation) return;
    const err = toCallError(e);
    session = null;
    error.value = err;
    status.value = 'error';
    throw Object.assign(new Error(err.message), err);
  }
}

function startMesh(s: Session, result: JoinResult): void {
  s.mesh?.close();
  const mesh = new s.MeshClass({
    selfId: result.self.id,
    iceServers: result.iceServers,
    iceTransportPolicy: s.options.iceTransportPolicy,
    localStream: s.options.localStream,
    signaling: {
      send: (to, data) => s.client.signal(to, data),
      onSignal: (listener) => s.client.on('signal', ({ from, data }) => listener(from, data)),
    },
    budget: { enabled: typeof location === 'undefined' || readPageOptions(location.search).budget },
  });
  s.mesh = mesh;
  // After a rebuild (rejoin) send the tracks of now, not those given to join().
  for (const kind of ['audio', 'video'] as const) {
    const stream = s.options.localStream;
    const fromStream = (kind === 'audio' ? stream?.getAudioTracks()[0] : stream?.getVideoTracks()[0]) ?? null;
    if (s.tracks[kind] !== fromStream) void mesh.replaceTrack(kind, s.tracks[kind]);
  }
  mesh.on('media', (id, media: RemoteMedia) =>
    patchParticipant(id, { cameraStream: media.camera, shareStream: media.share }),
  );
  mesh.on('connectionState', (id, state) => patchParticipant(id, { connectionState: state }));
  mesh.on('error', (e, id) => console.warn(`[meshmeet] connection to ${id ?? '?'}:`, e));
  self.value = s.client.self;
  room.value = result.room;
  roomProtected.value = result.hasPassword ?? null;
  participants.value = result.members.map(toParticipant);
  // We are the newcomer: we offer to everyone already there (the mesh invariant).
  for (const m of result.members) {
    mesh.setRemoteShare(m.id, m.sharing, m.shareStreamId);
    mesh.addPeer(m.id, { initiator: true });
  }
  if (s.share) mesh.startShare(s.share);
}

function wireClient(s: Session): void {
  const { client } = s;
  const live = () => session === s;
  client.on('status', (st) => {
    if (live() && st !== 'joining' && st !== 'left') status.value = st;
  });
  client.on('error', (e) => {
    if (live()) error.value = toCallError(e);
  });
  client.on('peerJoined', (peer) => {
    if (!live() || !s.mesh) return;
    if (!participants.value.some((p) => p.id === peer.id)) {
      participants.value = [...participants.value, toParticipant(peer)];
    }
    s.mesh.setRemoteShare(peer.id, peer.sharing, peer.shareStreamId);
    // An existing member waits for the newcomer's offer (the mesh invariant).
    s.mesh.addPeer(peer.id, { initiator: false });
  });
  client.on('peerLeft', ({ id }) => {
    if (!live()) return;
    s.mesh?.removePeer(id);
    participants.value = participants.value.filter((p) => p.id !== id);
  });
  client.on('peerUpdated', (u: PeerUpdated) => {
    if (!live()) return;
    const { id, ...changes } = u;
    const merged = patchParticipant(id, changes);
    if (merged && ('sharing' in changes || 'shareStreamId' in changes)) {
      s.mesh?.setRemoteShare(id, merged.sharing, merged.shareStreamId);
    }
  });
  client.on('chat', (m) => {
    if (!live() || chat.value.some((x) => x.id === m.id)) return;
    chat.value = [...chat.value, m].slice(-CHAT_LIMIT);
  });
  client.on('resumed', (result) => {
    if (!live() || !s.mesh) return;
    // Same id: connections survived (media is peer to peer). Catch up on who came and went.
    const known = new Map(participants.value.map((p) => [p.id, p]));
    participants.value = result.members.map((m) => ({ ...(known.get(m.id) ?? toParticipant(m)), ...m }));
    for (const m of result.members) s.mesh.setRemoteShare(m.id, m.sharing, m.shareStreamId);
    s.mesh.sync(result.members.map((m) => m.id));
    s.mesh.restartStalled();
    self.value = client.self;
  });
  client.on('rejoined', (result) => {
    // New id: every connection must be rebuilt with us as the newcomer.
    if (live()) startMesh(s, result);
  });
}

async function leave(): Promise<void> {
  generation++;
  const s = session;
  session = null;
  if (s) {
    detachShare(s);
    s.mesh?.close();
    await s.client.leave();
  }
  participants.value = [];
  self.value = null;
  room.value = null;
  roomProtected.value = null;
  status.value = 'left';
}

async function sendChat(text: string): Promise<void> {
  const s = requireSession();
  const message = await s.client.sendChat(text);
  // The server also echoes it as chat:message; whichever comes first wins (deduped by id).
  if (session === s && !chat.value.some((x) => x.id === message.id)) {
    chat.value = [...chat.value, message].slice(-CHAT_LIMIT);
  }
}

async function updateState(patch: Partial<MediaState>): Promise<void> {
  const s = session;
  if (!s) return; // before joining there is no one to tell; join() sends the state
  if (self.value) self.value = { ...self.value, ...patch };
  await s.client.update(patch as PeerUpdate);
}

async function replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
  const s = session;
  if (!s) return;
  s.tracks[kind] = track;
  await s.mesh?.replaceTrack(kind, track);
}

async function startShare(stream: MediaStream): Promise<void> {
  const s = requireSession();
  if (s.share) await stopShare();
  s.share = stream;
  const video = stream.getVideoTracks()[0];
  // The browser's own "Stop sharing" ends the track; take the share down with it.
  s.onShareEnded = () => {
    if (session === s && s.share === stream) void stopShare();
  };
  video?.addEventListener('ended', s.onShareEnded);
  // Announce first, so receivers can tell the share's tracks from the camera's.
  await updateState({ sharing: true, shareStreamId: stream.id }).catch((e) =>
    console.warn('[meshmeet] could not announce the share', e),
  );
  if (session === s && s.share === stream) s.mesh?.startShare(stream);
}

async function stopShare(): Promise<void> {
  const s = session;
  if (!s?.share) return;
  detachShare(s);
  s.mesh?.stopShare();
  await updateState({ sharing: false, shareStreamId: null });
}

function detachShare(s: Session): void {
  if (s.share && s.onShareEnded) s.share.getVideoTracks()[0]?.removeEventListener('ended', s.onShareEnded);
  s.share = null;
  s.onShareEnded = null;
}

async function getPeerStats(id: string): Promise<ConnectionDetails> {
  const mesh = session?.mesh;
  if (!mesh) throw new Error('Not in a call');
  return mesh.getStats(id);
}

function peerConnection(id: string): RTCPeerConnection | null {
  return session?.mesh?.peerConnections().get(id) ?? null;
}

function requireSession(): Session {
  if (!session || status.value === 'idle') throw new Error('Not in a call');
  return session;
}

function toParticipant(peer: Peer): RemoteParticipant {
  return { ...peer, cameraStream: null, shareStream: null, connectionState: 'new' };
}

/** Replaces one participant immutably (so shallow refs re-render); returns the result. */
function patchParticipant(id: string, patch: Partial<RemoteParticipant>): RemoteParticipant | null {
  let merged: RemoteParticipant | null = null;
  participants.value = participants.value.map((p) => {
    if (p.id !== id) return p;
    merged = { ...p, ...patch } as RemoteParticipant;
    return merged;
  });
  return merged;
}

function toCallError(e: unknown): CallError {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') {
    return { code: e.code, message: e instanceof Error ? e.message : String(e.code) };
  }
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

// Debug hook for e2e tests and support: harmless, read-only views of the call.
if (typeof window !== 'undefined') {
  (window as unknown as { __meshmeet: unknown }).__meshmeet = {
    /** The live RTCPeerConnection per remote participant id. */
    peerConnections: (): Map<string, RTCPeerConnection> => session?.mesh?.peerConnections() ?? new Map(),
    /** Our own participant id, or null. */
    selfId: (): string | null => self.value?.id ?? null,
    /** The call status (idle, joining, joined, reconnecting, left, error). */
    status: (): CallStatus => status.value,
    /** What the connection-details panel shows for one participant. */
    connectionDetails: (id: string): Promise<ConnectionDetails> => getPeerStats(id),
    /** The video budget of the link to one participant: what we send and why, what they send us. */
    budget: (id: string) => {
      const b = session?.mesh?.budget;
      return b ? { outgoing: b.outgoing(id), incoming: b.incoming(id) } : null;
    },
  };
  // Tell the room right away when the tab goes (else peers wait for the resume grace).
  window.addEventListener('pagehide', () => {
    if (session) void leave();
  });
}
