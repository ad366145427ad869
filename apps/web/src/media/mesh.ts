import { schemas } from '@meshmeet/protocol';
import type { PeerNotice, PeerSignal } from '@meshmeet/protocol';
import { TypedEmitter } from '../lib/typed-emitter';
import { PeerConnection } from './peer-connection';
import type { LocalMedia } from './peer-local-senders';
import type { IceRestartPolicy } from './peer-ice-restart';
import type { CreateMediaStream, RemoteMedia } from './peer-remote-streams';
import { collectConnectionDetails, type ConnectionDetails } from './stats';
import { MeshBudget, type MeshBudgetOptions } from './mesh-budget';

/**
 * The signaling the mesh needs, and nothing more: send a message to one peer, and hear
 * messages from peers. The app adapts its socket.io client to this; tests use a bus.
 */
export interface MeshSignaling {
  /** Sends `data` to peer `to`; a rejection is reported, not fatal. */
  send(to: string, data: PeerSignal | PeerNotice): Promise<void> | void;
  /** Subscribes to messages from peers; returns an unsubscribe function. */
  onSignal(listener: (from: string, data: unknown) => void): () => void;
}

/** Browser constructors, injectable so the engine runs under Node with fakes. */
export interface MeshDeps {
  createPeerConnection: (config: RTCConfiguration) => RTCPeerConnection;
  createMediaStream: CreateMediaStream;
}

/** Options of {@link Mesh}. */
export interface MeshOptions {
  /** Our participant id (from the join ack). */
  selfId: string;
  signaling: MeshSignaling;
  /** ICE servers from the join ack (STUN, and TURN with short-lived credentials). */
  iceServers: RTCIceServer[];
  /** `relay` forces TURN. @default 'all' */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Camera + microphone; null joins receive-only. The mesh never stops its tracks. */
  localStream: MediaStream | null;
  /** Start with the microphone muted (see {@link Mesh.setMicMuted}). @default false */
  micMuted?: boolean;
  deps?: Partial<MeshDeps>;
  iceRestart?: Partial<IceRestartPolicy>;
  /** See {@link PeerConnectionOptions.offerTimeoutMs}. */
  offerTimeoutMs?: number;
  /** The video budget ({@link MeshBudget}); absent = none at all (unit tests). */
  budget?: MeshBudgetOptions;
}

/** Events of {@link Mesh}. Listeners that throw are reported and never affect a connection. */
export interface MeshEvents {
  /** A participant's camera or share stream changed. */
  media: (peerId: string, media: RemoteMedia) => void;
  /** A participant's connection state changed. */
  connectionState: (peerId: string, state: RTCPeerConnectionState) => void;
  /** A non-fatal problem (bad message, failed renegotiation, ICE restart gave up, …). */
  error: (error: unknown, peerId: string | null) => void;
  /** A peer's video-budget message (its request to us, or its notice about what it sends). */
  notice: (peerId: string, notice: PeerNotice) => void;
  /**
   * The connection to a participant was replaced by a new one (same participant), because
   * ours could no longer negotiate (`initiator`: we offer) or theirs could not (they offer).
   */
  rebuilt: (peerId: string, generation: number, initiator: boolean) => void;
}

/** Signals from a peer we just removed are ignored for this long (they are in flight). */
const REMOVED_TTL_MS = 30_000;

/**
 * A full mesh: one {@link PeerConnection} per remote participant.
 *
 * Invariant — who offers: the newcomer. The app calls `addPeer(id, {initiator: true})`
 * for every member listed in its join ack, and `addPeer(id, {initiator: false})` on
 * `peer:joined`. A signal from an unknown peer creates a responder. After that first
 * exchange either side renegotiates freely (share, ICE restart); perfect negotiation
 * settles glare.
 *
 * Invariant — one live connection per pair, numbered: signals carry the sender's
 * connection generation. A connection that can no longer negotiate (`jammed`) is
 * replaced by a new one with the next generation, which offers with our current camera,
 * microphone and share; an offer with a higher generation than ours replaces our
 * connection by a responder of that generation; signals of a lower one are dropped.
 * The participant stays (tiles and state are keyed by participant, not by connection).
 *
 * Invariant — who stops tracks: not the mesh. Local camera/mic/share tracks belong to
 * the caller (`useLocalMedia`, `useScreenShare`); closing a connection ends only its
 * remote tracks.
 */
export class Mesh extends TypedEmitter<MeshEvents> {
  private readonly opts: MeshOptions;
  private readonly deps: MeshDeps;
  private readonly peers = new Map<string, PeerConnection>();
  private readonly removed = new Map<string, number>();
  /** Last connection generation used with each participant, kept after they leave. */
  private readonly generations = new Map<string, number>();
  private readonly remoteShare = new Map<string, { sharing: boolean; shareStreamId: string | null }>();
  private local: LocalMedia;
  private readonly unsubscribe: () => void;
  private closed = false;
  /** The send budget and receiver requests, when enabled by the options. */
  readonly budget: MeshBudget | null;

  constructor(options: MeshOptions) {
    super((error, event) => console.error(`[meshmeet] mesh "${event}" listener threw`, error));
    this.opts = options;
    this.deps = {
      createPeerConnection: (config) => new RTCPeerConnection(config),
      createMediaStream: (tracks) => new MediaStream(tracks),
      ...options.deps,
    };
    const stream = options.localStream;
    this.local = {
      audio: stream?.getAudioTracks()[0] ?? null,
      video: stream?.getVideoTracks()[0] ?? null,
      stream,
      share: null,
      micMuted: options.micMuted ?? false,
    };
    this.unsubscribe = options.signaling.onSignal((from, data) => this.onSignal(from, data));
    this.budget = options.budget ? new MeshBudget(this, options.budget) : null;
  }

  /** Our own id. */
  get selfId(): string {
    return this.opts.selfId;
  }

  /** Connects to a participant (idempotent). See the class invariant for `initiator`. */
  addPeer(id: string, options: { initiator: boolean }): void {
    if (this.closed || id === this.opts.selfId || this.peers.has(id)) return;
    // A participant met again (removed, then back) gets a connection numbered above the last one.
    const last = this.generations.get(id);
    this.connect(id, options.initiator, last === undefined ? 0 : last + 1);
  }

  private connect(id: string, initiator: boolean, generation: number): PeerConnection {
    this.removed.delete(id);
    this.generations.set(id, generation);
    const peer = new PeerConnection({
      selfId: this.opts.selfId,
      remoteId: id,
      initiator,
      generation,
      config: {
        iceServers: this.opts.iceServers,
        iceTransportPolicy: this.opts.iceTransportPolicy ?? 'all',
      },
      local: this.local,
      send: (data) => this.opts.signaling.send(id, data),
      createPeerConnection: this.deps.createPeerConnection,
      createMediaStream: this.deps.createMediaStream,
      iceRestart: this.opts.iceRestart,
      offerTimeoutMs: this.opts.offerTimeoutMs,
    });
    peer.on('media', (media) => this.emit('media', id, media));
    peer.on('connectionState', (state) => this.emit('connectionState', id, state));
    peer.on('error', (error) => this.emit('error', error, id));
    peer.on('jammed', (cause) => {
      this.emit('error', cause, id);
      this.rebuild(id, true, peer.generation + 1);
    });
    const share = this.remoteShare.get(id);
    if (share) peer.setRemoteShare(share.sharing, share.shareStreamId);
    this.peers.set(id, peer);
    return peer;
  }

  /** Replaces the connection to `id` by a new one of `generation` (see the class invariant). */
  private rebuild(id: string, initiator: boolean, generation: number): void {
    const old = this.peers.get(id);
    if (this.closed || !old) return;
    this.peers.delete(id);
    old.close();
    const peer = this.connect(id, initiator, generation);
    this.emit('rebuilt', id, generation, initiator);
    // The old connection's remote tracks are gone; show "no media yet" until the new ones arrive.
    this.emit('media', id, peer.media);
  }

  /** Closes and forgets the connection to a participant who left. */
  removePeer(id: string): void {
    const peer = this.peers.get(id);
    this.peers.delete(id);
    this.remoteShare.delete(id);
    this.removed.set(id, Date.now());
    this.budget?.forget(id);
    peer?.close();
  }

  /** Whether we hold a connection to `id`. */
  has(id: string): boolean {
    return this.peers.has(id);
  }

  /** Ids of the connected participants. */
  peerIds(): string[] {
    return [...this.peers.keys()];
  }

  /**
   * Reconciles with a member list after a resumed reconnect: drops those gone, and
   * connects to those we missed. Both we and a missed newcomer may then offer: that
   * glare is exactly what perfect negotiation handles.
   */
  sync(memberIds: readonly string[]): void {
    const wanted = new Set(memberIds);
    for (const id of this.peerIds()) if (!wanted.has(id)) this.removePeer(id);
    for (const id of memberIds) this.addPeer(id, { initiator: true });
  }

  /** Restarts ICE on every connection that is not connected (after signaling came back). */
  restartStalled(): void {
    for (const peer of this.peers.values()) {
      if (peer.pc.connectionState !== 'connected') peer.restartIce();
    }
  }

  /** What a participant announced about its share (from `peer:joined`/`peer:updated`). */
  setRemoteShare(id: string, sharing: boolean, shareStreamId: string | null): void {
    this.remoteShare.set(id, { sharing, shareStreamId });
    this.peers.get(id)?.setRemoteShare(sharing, shareStreamId);
  }

  /**
   * Sends another camera or microphone track to everyone (device switch), or `null` to
   * send nothing. No renegotiation unless that kind was never sent before.
   */
  async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    let stream = this.local.stream;
    if (track && !stream) stream = this.deps.createMediaStream([]);
    this.local = { ...this.local, [kind]: track, stream };
    await Promise.all([...this.peers.values()].map((p) => p.setLocalTrack(kind, track, stream)));
  }

  /**
   * Mutes or unmutes the microphone on every connection, now and for later peers: while
   * muted no connection carries the track (so none encodes it), and unmuting puts it back
   * without renegotiating.
   */
  async setMicMuted(muted: boolean): Promise<void> {
    if (!!this.local.micMuted === muted) return;
    this.local = { ...this.local, micMuted: muted };
    await Promise.all([...this.peers.values()].map((p) => p.setMicMuted(muted)));
  }

  /** Sends a screen share to everyone now and to everyone who joins later. */
  startShare(stream: MediaStream): void {
    this.local = { ...this.local, share: stream };
    for (const peer of this.peers.values()) peer.setShare(stream);
  }

  /** Stops sending the share (renegotiates). The caller stops the share's tracks. */
  stopShare(): void {
    if (!this.local.share) return;
    this.local = { ...this.local, share: null };
    for (const peer of this.peers.values()) peer.setShare(null);
  }

  /** What we send now: camera, microphone and share (the caller owns these tracks). */
  get localMedia(): Readonly<LocalMedia> {
    return this.local;
  }

  /** The stream being shared, if any. */
  get share(): MediaStream | null {
    return this.local.share;
  }

  /** Sends a video-budget message to one connected peer; failures are reported as `error`. */
  sendNotice(id: string, notice: PeerNotice): void {
    if (this.closed || !this.peers.has(id)) return;
    Promise.resolve()
      .then(() => this.opts.signaling.send(id, notice))
      .catch((error: unknown) => this.emit('error', error, id));
  }

  /** Current remote streams of a participant. */
  media(id: string): RemoteMedia | null {
    return this.peers.get(id)?.media ?? null;
  }

  /** The raw connections by participant id (for e2e tests reading getStats). */
  peerConnections(): Map<string, RTCPeerConnection> {
    return new Map([...this.peers].map(([id, p]) => [id, p.pc]));
  }

  /** Connection details of one participant (RTT, bitrate, loss, route). */
  async getStats(id: string): Promise<ConnectionDetails> {
    const peer = this.peers.get(id);
    if (!peer) throw new Error(`No connection to ${id}`);
    return collectConnectionDetails(peer.pc);
  }

  /** Closes every connection and stops listening to signaling. Local tracks keep running. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.budget?.close();
    for (const id of this.peerIds()) this.removePeer(id);
    this.removeAllListeners();
  }

  private onSignal(from: string, raw: unknown): void {
    if (this.closed) return;
    const notice = schemas.PeerNotice.safeParse(raw);
    if (notice.success) {
      if (this.peers.has(from)) this.emit('notice', from, notice.data);
      return;
    }
    const parsed = schemas.PeerSignal.safeParse(raw);
    if (!parsed.success) {
      this.emit('error', new Error(`Dropped an invalid signal from ${from}`), from);
      return;
    }
    const signal = parsed.data as PeerSignal;
    const generation = signal.generation;
    let peer = this.peers.get(from);
    if (!peer) {
      const removedAt = this.removed.get(from);
      // A late message from someone who already left must not resurrect them.
      if (removedAt !== undefined && Date.now() - removedAt < REMOVED_TTL_MS) return;
      peer = this.connect(from, false, generation ?? 0);
    } else if (generation !== undefined && generation !== peer.generation) {
      // Lower: from a connection already replaced. Higher: only an offer starts a new one.
      const isOffer = 'description' in signal && signal.description.type === 'offer';
      if (generation < peer.generation || !isOffer) return;
      this.rebuild(from, false, generation);
      peer = this.peers.get(from);
    }
    if (peer) void peer.handleSignal(signal);
  }
}
