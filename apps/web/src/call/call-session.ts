import type { ChatMessage, JoinResult, MediaState, Peer, PeerUpdate } from '@meshmeet/protocol';
import { TypedEmitter } from '../lib/typed-emitter';
import { toCodedError, type CodedError } from '../lib/coded-error';
import { SignalingClient, type CallStatus } from '../signaling/signaling-client';
import { Mesh, type MeshOptions } from '../media/mesh';
import type { MeshBudget } from '../media/mesh-budget';
import type { ConnectionDetails } from '../media/stats';
import type { LinkBudget } from './call-types';
import { reduceParticipants, type ParticipantsAction, type RemoteParticipant } from './participants';
import { appendChat } from './chat-log';
import type { CallSignaling, CallSessionEvents, JoinOptions, OutgoingMedia } from './call-types';

export type { CallSignaling, CallSessionEvents, JoinOptions, LinkBudget, OutgoingMedia } from './call-types';

/** Options of {@link CallSession}. */
export interface CallSessionOptions {
  /** The signaling connection this call owns (closed with the call). */
  signaling: CallSignaling;
  /** Mesh tuning (video budget, ICE restart, offer watchdog) and browser constructors (tests pass fakes). */
  mesh?: Pick<MeshOptions, 'deps' | 'iceRestart' | 'offerTimeoutMs' | 'budget'>;
}

type Kind = 'audio' | 'video';

/**
 * One call, without Vue: it owns the signaling client, the mesh, our screen share and
 * the tracks we send, keeps the participants and the chat, and reports every change as
 * a typed event ({@link CallSessionEvents}). Composables mirror it into refs.
 *
 * Invariants:
 * - who offers: the newcomer. After our join (and after a rejoin with a new id) we offer
 *   to every member in the ack; members who join later offer to us (`mesh.ts`);
 * - who stops tracks: not the session. Camera, microphone and share tracks belong to
 *   whoever captured them; the session only sends them and closes connections;
 * - one session per call: after `leave()` (or a failed join) it is spent; join again
 *   with a new session;
 * - after a resume (same id) connections stay; after a rejoin (new id) every
 *   connection is rebuilt, sending the tracks of now and the share if one is running.
 */
export class CallSession extends TypedEmitter<CallSessionEvents> {
  private readonly client: CallSignaling;
  private readonly meshTuning: CallSessionOptions['mesh'];
  private mesh: Mesh | null = null;
  private options: JoinOptions | null = null;
  private _status: CallStatus = 'idle';
  private _room: string | null = null;
  private _participants: readonly RemoteParticipant[] = [];
  private _chat: readonly ChatMessage[] = [];
  private _share: MediaStream | null = null;
  private onShareEnded: (() => void) | null = null;
  /** What the user wants to send now (set before or after joining). */
  private wanted: OutgoingMedia = { stream: null, audio: null, video: null, micOn: false };
  /** The camera/mic tracks the mesh sends now. */
  private readonly sent: Record<Kind, MediaStreamTrack | null> = { audio: null, video: null };
  /** The `mic`/`cam` flags last published. */
  private flags = { mic: false, cam: false };
  private readonly unsubscribe: Array<() => void> = [];
  private closed = false;

  constructor(options: CallSessionOptions) {
    super((error, event) => console.error(`[meshmeet] call "${event}" listener threw`, error));
    this.client = options.signaling;
    this.meshTuning = options.mesh;
  }

  /** A session on a new socket.io connection to `url` (undefined: the page's origin). */
  static connect(url: string | undefined, mesh?: CallSessionOptions['mesh']): CallSession {
    return new CallSession({ signaling: new SignalingClient({ url }), mesh });
  }

  get status(): CallStatus {
    return this._status;
  }
  /** Ourselves as the room sees us (id, name, flags), or null outside a call. */
  get self(): Peer | null {
    return this._status === 'left' ? null : this.client.self;
  }
  /** The room's normalised name, or null before the join. */
  get room(): string | null {
    return this._room;
  }
  get participants(): readonly RemoteParticipant[] {
    return this._participants;
  }
  get chat(): readonly ChatMessage[] {
    return this._chat;
  }
  /** The screen we share, or null. */
  get share(): MediaStream | null {
    return this._share;
  }

  /**
   * Joins the room and offers to everyone there. Rejects with the server's coded error
   * (ROOM_FULL, BAD_PASSWORD, …), after which the session is spent. A `leave()` while
   * joining wins: the join resolves and the room is left at once.
   */
  async join(options: JoinOptions): Promise<void> {
    if (this._status !== 'idle') throw new Error('A call session joins once; make a new one');
    this.options = options;
    this.wanted = { ...options.media };
    const sending = liveTracks(options.media);
    this.sent.audio = sending.audio;
    this.sent.video = sending.video;
    this.flags = { mic: options.media.micOn && !!sending.audio, cam: !!sending.video };
    this.listen();
    this.setStatus('joining');
    try {
      const result = await this.client.join({
        room: options.room,
        nick: options.nick,
        password: options.password,
        state: { ...this.flags },
      });
      if (this.closed) {
        void this.client.leave(); // left while joining: do not stay in the room
        return;
      }
      // Synchronously, before the client replays the events it held during the join.
      this.startMesh(result);
      this.setStatus('joined');
      this.applyMedia();
    } catch (error) {
      this.mesh?.close();
      this.client.close();
      if (this.closed) return;
      this.closed = true;
      const coded = toCodedError(error);
      this.emit('error', coded);
      this.setStatus('error');
      throw error instanceof Error ? error : Object.assign(new Error(coded.message), coded);
    }
  }

  /** Closes every connection and leaves. Local tracks are not stopped: their owners do that. */
  async leave(): Promise<void> {
    if (this._status === 'left') return;
    this.closed = true;
    this.detachShare();
    this.mesh?.close();
    this.mesh = null;
    for (const off of this.unsubscribe.splice(0)) off();
    try {
      await this.client.leave();
    } finally {
      this.setParticipants({ type: 'clear' });
      this._room = null;
      this.setStatus('left');
      this.emit('self', null);
      this.emit('room', null, null);
      this.removeAllListeners();
    }
  }

  /** Sends a chat message; it shows once, whether the ack or the echo comes first. */
  async sendChat(text: string): Promise<void> {
    this.assertInCall();
    const message = await this.client.sendChat(text);
    if (!this.closed) this.addChat(message);
  }

  /** Publishes our own flags (mic, cam, recording, …); before the join there is no one to tell. */
  async updateState(patch: Partial<MediaState>): Promise<void> {
    if (this.closed || this._status === 'idle' || this._status === 'joining') return;
    const update = this.client.update(patch as PeerUpdate);
    // Shown at once; the client keeps it across a reconnect and sends it after the resume.
    const self = this.client.self;
    if (self) this.emit('self', { ...self, ...patch } as Peer);
    await update;
    if (!this.closed) this.emit('self', this.client.self);
  }

  /**
   * What we want to send: the camera and microphone tracks of now and whether the
   * microphone is on. Changed tracks are swapped in on every connection (no
   * renegotiation) and the `mic`/`cam` flags others see follow. May be called at any
   * time; changes made while joining are applied as soon as the join completes.
   */
  setMedia(media: OutgoingMedia): void {
    this.wanted = { ...media };
    if (this._status === 'joined' || this._status === 'reconnecting') this.applyMedia();
  }

  /**
   * Shares a screen with everyone now and with everyone who joins later. The share is
   * announced first (so receivers can tell its tracks from the camera's). When the
   * capture ends (the browser's own "Stop sharing") the share is taken down and `share`
   * emits null; the caller, who captured the stream, then stops its tracks.
   */
  async startShare(stream: MediaStream): Promise<void> {
    this.assertInCall();
    if (this._share) await this.stopShare();
    this._share = stream;
    this.onShareEnded = () => {
      if (this._share === stream) void this.stopShare();
    };
    stream.getVideoTracks()[0]?.addEventListener('ended', this.onShareEnded);
    this.emit('share', stream);
    await this.updateState({ sharing: true, shareStreamId: stream.id }).catch((e) =>
      console.warn('[meshmeet] could not announce the share', e),
    );
    if (!this.closed && this._share === stream) this.mesh?.startShare(stream);
  }

  /** Stops sending the share and tells the room. The share's tracks keep running. */
  async stopShare(): Promise<void> {
    if (!this._share) return;
    this.detachShare();
    this.mesh?.stopShare();
    await this.updateState({ sharing: false, shareStreamId: null });
  }

  /** RTT, bitrate, loss and route of the connection to one participant. */
  async getPeerStats(id: string): Promise<ConnectionDetails> {
    if (!this.mesh) throw new Error('Not in a call');
    return this.mesh.getStats(id);
  }

  /** The live RTCPeerConnection per participant id (diagnostics and browser tests). */
  peerConnections(): Map<string, RTCPeerConnection> {
    return this.mesh?.peerConnections() ?? new Map();
  }

  /** The video budget of the mesh in use (null outside a call or without a budget). */
  get videoBudget(): MeshBudget | null {
    return this.mesh?.budget ?? null;
  }

  /** The video budget of the link to one participant: what we send and why, what they send us. */
  budget(id: string): LinkBudget | null {
    const b = this.mesh?.budget;
    return b ? { outgoing: b.outgoing(id), incoming: b.incoming(id) } : null;
  }

  // ---- signaling → state ------------------------------------------------------------

  private listen(): void {
    const c = this.client;
    const live = () => !this.closed;
    this.unsubscribe.push(
      c.on('status', (st) => {
        // `joining` and `left` are the session's own steps; the rest mirror the connection.
        if (live() && st !== 'joining' && st !== 'left' && this._status !== 'joining') this.setStatus(st);
      }),
      c.on('error', (e) => live() && this.emit('error', toCodedError(e))),
      c.on('peerJoined', (peer) => {
        if (!live() || !this.mesh) return;
        this.setParticipants({ type: 'joined', peer });
        this.mesh.setRemoteShare(peer.id, peer.sharing, peer.shareStreamId);
        // An existing member waits for the newcomer's offer.
        this.mesh.addPeer(peer.id, { initiator: false });
      }),
      c.on('peerLeft', ({ id }) => {
        if (!live()) return;
        this.mesh?.removePeer(id);
        this.setParticipants({ type: 'left', id });
      }),
      c.on('peerUpdated', (update) => {
        if (!live()) return;
        this.setParticipants({ type: 'updated', update });
        const p = this._participants.find((x) => x.id === update.id);
        if (p && ('sharing' in update || 'shareStreamId' in update)) {
          this.mesh?.setRemoteShare(p.id, p.sharing, p.shareStreamId);
        }
      }),
      c.on('chat', (m) => live() && this.addChat(m)),
      c.on('resumed', (result) => {
        if (!live() || !this.mesh) return;
        // Same id: the connections survived (media is peer to peer). Catch up on who came and went.
        this.setParticipants({ type: 'resumed', members: result.members });
        for (const m of result.members) this.mesh.setRemoteShare(m.id, m.sharing, m.shareStreamId);
        this.mesh.sync(result.members.map((m) => m.id));
        this.mesh.restartStalled();
        this.emit('self', this.client.self);
      }),
      // New id: every connection is rebuilt with us as the newcomer.
      c.on('rejoined', (result) => live() && this.startMesh(result)),
    );
  }

  private startMesh(result: JoinResult): void {
    const options = this.options!;
    this.mesh?.close();
    const client = this.client;
    const mesh = new Mesh({
      ...this.meshTuning,
      selfId: result.self.id,
      iceServers: result.iceServers,
      iceTransportPolicy: options.iceTransportPolicy,
      localStream: liveTracks(options.media).stream,
      micMuted: !this.wanted.micOn,
      signaling: {
        send: (to, data) => client.signal(to, data),
        onSignal: (listener) => client.on('signal', ({ from, data }) => listener(from, data)),
      },
    });
    this.mesh = mesh;
    // The mesh starts with the stream's own tracks; send the tracks of now instead
    // (after a rejoin, or when a device changed while joining).
    const stream = liveTracks(options.media).stream;
    for (const kind of ['audio', 'video'] as const) {
      const initial = (kind === 'audio' ? stream?.getAudioTracks()[0] : stream?.getVideoTracks()[0]) ?? null;
      if (this.sent[kind] !== initial) void mesh.replaceTrack(kind, this.sent[kind]).catch(warn);
    }
    mesh.on('media', (id, media) => this.setParticipants({ type: 'media', id, media }));
    mesh.on('connectionState', (id, state) => this.setParticipants({ type: 'connectionState', id, state }));
    mesh.on('error', (e, id) => console.warn(`[meshmeet] connection to ${id ?? '?'}:`, e));
    this._room = result.room;
    this.emit('room', result.room, result.hasPassword ?? null);
    this.emit('self', this.client.self);
    this.setParticipants({ type: 'reset', members: result.members });
    // We are the newcomer: we offer to everyone already there.
    for (const m of result.members) {
      mesh.setRemoteShare(m.id, m.sharing, m.shareStreamId);
      mesh.addPeer(m.id, { initiator: true });
    }
    if (this._share) mesh.startShare(this._share);
  }

  // ---- local media ------------------------------------------------------------------

  private applyMedia(): void {
    // Before any track swap, so a new microphone that arrives muted is never put on a sender.
    void this.mesh?.setMicMuted(!this.wanted.micOn).catch(warn);
    const want = liveTracks(this.wanted);
    for (const kind of ['audio', 'video'] as const) {
      if (want[kind] === this.sent[kind]) continue;
      this.sent[kind] = want[kind];
      void this.mesh?.replaceTrack(kind, want[kind]).catch(warn);
    }
    const flags = { mic: this.wanted.micOn && !!want.audio, cam: !!want.video };
    if (flags.mic === this.flags.mic && flags.cam === this.flags.cam) return;
    this.flags = flags;
    void this.updateState(flags).catch((e: unknown) => {
      // Not published: make the next change try again.
      if (this.flags === flags) this.flags = { mic: !flags.mic, cam: !flags.cam };
      warn(e);
    });
  }

  // ---- helpers ------------------------------------------------------------------------

  private detachShare(): void {
    const share = this._share;
    if (!share) return;
    if (this.onShareEnded) share.getVideoTracks()[0]?.removeEventListener('ended', this.onShareEnded);
    this._share = null;
    this.onShareEnded = null;
    this.emit('share', null);
  }

  private setParticipants(action: ParticipantsAction): void {
    const next = reduceParticipants(this._participants, action);
    if (next === this._participants) return;
    this._participants = next;
    this.emit('participants', next);
  }

  private addChat(message: ChatMessage): void {
    const next = appendChat(this._chat, message);
    if (next === this._chat) return;
    this._chat = next;
    this.emit('chat', next);
  }

  private setStatus(status: CallStatus): void {
    if (this._status === status) return;
    this._status = status;
    this.emit('status', status);
  }

  private assertInCall(): void {
    if (this.closed || this._status === 'idle') throw new Error('Not in a call');
  }
}

/** The tracks to send: ended tracks count as none; a stream without a live track as none. */
function liveTracks(media: OutgoingMedia): { stream: MediaStream | null; audio: MediaStreamTrack | null; video: MediaStreamTrack | null } {
  const live = (t: MediaStreamTrack | null) => (t && t.readyState !== 'ended' ? t : null);
  const stream = media.stream?.getTracks().some((t) => t.readyState !== 'ended') ? media.stream : null;
  return { stream, audio: live(media.audio), video: live(media.video) };
}

const warn = (e: unknown) => console.warn('[meshmeet]', e);
