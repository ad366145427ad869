import type { PeerSignal } from '@meshmeet/protocol';
import { TypedEmitter } from '../lib/typed-emitter';
import { RemoteStreams, type CreateMediaStream, type RemoteMedia } from './peer-remote-streams';
import { IceRestarter, type IceRestartPolicy } from './peer-ice-restart';

/** What this side sends: camera/mic tracks (either may be null) and an optional share. */
export interface LocalMedia {
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
  /** Stream named in the SDP for camera + mic, so the receiver keeps them in lip sync. */
  stream: MediaStream | null;
  /** The screen share, sent on its own transceivers in its own stream. */
  share: MediaStream | null;
}

/** Options of {@link PeerConnection}. */
export interface PeerConnectionOptions {
  selfId: string;
  remoteId: string;
  /** True on the newcomer's side: it creates its transceivers now and makes the first offer. */
  initiator: boolean;
  config: RTCConfiguration;
  /** Local media at creation time; later changes go through the methods. */
  local: LocalMedia;
  /** Sends one message to the remote side through signaling. */
  send: (data: PeerSignal) => Promise<void> | void;
  createPeerConnection: (config: RTCConfiguration) => RTCPeerConnection;
  createMediaStream: CreateMediaStream;
  iceRestart?: Partial<IceRestartPolicy>;
  /** An offer unanswered this long (lost on the way) is rolled back and retried. @default 10000 */
  offerTimeoutMs?: number;
  /** Which connection of the pair this is; tags every signal sent. @default 0 */
  generation?: number;
}

/** Events of {@link PeerConnection}. */
export interface PeerConnectionEvents {
  /** The camera or share stream of the remote side changed. */
  media: (media: RemoteMedia) => void;
  /** `RTCPeerConnection.connectionState` changed. */
  connectionState: (state: RTCPeerConnectionState) => void;
  /** Something went wrong that did not close the connection (logged and shown in debug). */
  error: (error: unknown) => void;
  /**
   * Negotiation can never succeed again on this connection (a refused description
   * whose rollback failed too). It stops negotiating; the owner must replace it with a
   * new connection to the same participant. Emitted at most once.
   */
  jammed: (cause: unknown) => void;
}

type Kind = 'audio' | 'video';

/**
 * One RTCPeerConnection to one remote participant, negotiated with MDN's "perfect
 * negotiation" pattern so either side may renegotiate at any time:
 * - the side with the lexicographically smaller id is *polite*: on glare it rolls back
 *   its own offer and answers; the impolite side ignores the colliding offer;
 * - inbound messages are handled one at a time, in order; ICE candidates that arrive
 *   before a remote description are queued and added right after it is set;
 * - `failed` (or `disconnected` for a while) triggers `restartIce()` with backoff
 *   (see {@link IceRestarter}).
 *
 * Who creates transceivers (so the first exchange never collides): the initiator
 * (newcomer) adds an audio and a video transceiver at once — `sendrecv` with its
 * tracks, `recvonly` when it has none, so receive-only joiners still get media — and
 * its `negotiationneeded` sends the first offer. The responder adds nothing before
 * that offer; it then attaches its camera/mic to the offer's first audio and video
 * transceivers before answering, and adds its share (if any) only after answering.
 *
 * A refused remote description jams the connection: it emits `jammed` and stops
 * negotiating, and its owner replaces it. A rollback cannot repair it: the far side has
 * already applied our offer (or waits for an answer to its own), so the two sides would
 * disagree on the m-lines from then on; and Chromium keeps the error of a refused answer
 * for good (every later description step, the rollback included, fails with "Session
 * error code: ERROR_CONTENT"). The one rollback kept is the offer watchdog's, for an
 * offer the far side never saw; if that rollback fails, the connection is jammed too.
 *
 * Track ownership: this class never stops a local track (the caller owns them);
 * closing the connection ends the remote tracks.
 */
export class PeerConnection extends TypedEmitter<PeerConnectionEvents> {
  /** The underlying connection (read-only use: stats, tests). */
  readonly pc: RTCPeerConnection;
  /** Polite side of perfect negotiation: the smaller id. */
  readonly polite: boolean;
  /** Which connection of the pair this is (see {@link PeerConnectionOptions.generation}). */
  readonly generation: number;
  private readonly opts: PeerConnectionOptions;
  private readonly restarter: IceRestarter;
  private local: LocalMedia;
  private readonly camera: Record<Kind, RTCRtpTransceiver | null> = { audio: null, video: null };
  private readonly shareTransceivers = new Set<RTCRtpTransceiver>();
  private readonly remote: RemoteStreams;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswerPending = false;
  /** True once our tracks may be added freely (initiator: always; responder: after its first answer). */
  private ready: boolean;
  private inbound: Promise<void> = Promise.resolve();
  private pendingCandidates: RTCIceCandidateInit[] = [];
  private offerTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private jammed = false;

  constructor(options: PeerConnectionOptions) {
    // A throwing listener of ours must not break negotiation: report and carry on.
    super((error, event) => console.error(`[meshmeet] peer "${event}" listener threw`, error));
    this.opts = options;
    this.local = { ...options.local };
    this.polite = options.selfId < options.remoteId;
    this.generation = options.generation ?? 0;
    this.remote = new RemoteStreams(options.createMediaStream);
    this.pc = options.createPeerConnection(options.config);
    this.restarter = new IceRestarter(options.iceRestart, {
      state: () => this.pc.connectionState,
      restart: () => this.pc.restartIce(),
      gaveUp: (n) => this.emit('error', new Error(`ICE restart gave up after ${n} attempts`)),
    });
    this.pc.addEventListener('negotiationneeded', () => void this.onNegotiationNeeded());
    this.pc.addEventListener('icecandidate', (ev) => this.onIceCandidate(ev));
    this.pc.addEventListener('track', (ev) => this.onTrack(ev));
    this.pc.addEventListener('connectionstatechange', () => this.onConnectionState());
    this.ready = options.initiator;
    if (options.initiator) {
      for (const kind of ['audio', 'video'] as const) {
        const track = this.local[kind];
        this.camera[kind] = this.pc.addTransceiver(track ?? kind, {
          direction: track ? 'sendrecv' : 'recvonly',
          streams: track && this.local.stream ? [this.local.stream] : [],
        });
      }
      if (this.local.share) this.addShare(this.local.share);
    }
  }

  /** The remote side's camera and share streams. */
  get media(): RemoteMedia {
    return this.remote.current;
  }

  /** Handles one message from the remote side; never throws (errors are emitted). */
  handleSignal(data: PeerSignal): Promise<void> {
    return this.enqueue(() => this.process(data));
  }

  /** Replaces the camera or microphone track (null = send nothing) without renegotiating. */
  async setLocalTrack(kind: Kind, track: MediaStreamTrack | null, stream: MediaStream | null): Promise<void> {
    this.local = { ...this.local, [kind]: track, stream };
    await this.applyLocal(kind);
  }

  /** Starts sending a screen share (renegotiates), or queues it until our first answer. */
  setShare(stream: MediaStream | null): void {
    const old = this.local.share;
    this.local = { ...this.local, share: stream };
    if (!this.ready || this.closed || old === stream) return;
    if (old) this.removeShare();
    if (stream) this.addShare(stream);
  }

  /** What the remote announced about its share; regroups its tracks. */
  setRemoteShare(sharing: boolean, shareStreamId: string | null): void {
    this.remote.setShare(sharing, shareStreamId);
    this.regroup();
  }

  /** Restarts ICE now (e.g. after our signaling came back), resetting the backoff. */
  restartIce(): void {
    if (this.closed || this.jammed) return;
    this.restarter.reset();
    this.pc.restartIce();
  }

  /** Closes the connection. Local tracks are left running (their owner stops them). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    this.pc.close();
    this.removeAllListeners();
  }

  // ---- negotiation ------------------------------------------------------------------

  private async onNegotiationNeeded(): Promise<void> {
    if (this.closed || this.jammed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      const description = this.pc.localDescription;
      if (!description || this.closed) return;
      this.sendSafely({ description: { type: description.type, sdp: description.sdp } });
      if (description.type === 'offer') this.armOfferWatchdog(description.sdp);
    } catch (error) {
      this.emit('error', error);
    } finally {
      this.makingOffer = false;
    }
  }

  private async process(data: PeerSignal): Promise<void> {
    if (this.closed || this.jammed) return;
    if ('description' in data) {
      const description = data.description;
      const readyForOffer =
        !this.makingOffer && (this.pc.signalingState === 'stable' || this.settingRemoteAnswerPending);
      const offerCollision = description.type === 'offer' && !readyForOffer;
      this.ignoreOffer = !this.polite && offerCollision;
      if (this.ignoreOffer) return;
      this.settingRemoteAnswerPending = description.type === 'answer';
      try {
        await this.pc.setRemoteDescription(description);
      } catch (error) {
        this.emit('error', error);
        this.jam(error);
        return;
      } finally {
        this.settingRemoteAnswerPending = false;
      }
      if (description.type === 'answer') this.clearOfferWatchdog();
      await this.flushCandidates();
      if (description.type === 'offer') {
        if (!this.ready) this.adoptCameraTransceivers();
        await this.pc.setLocalDescription();
        const answer = this.pc.localDescription;
        if (answer && !this.closed) this.sendSafely({ description: { type: answer.type, sdp: answer.sdp } });
        if (!this.ready) {
          this.ready = true;
          // Now that the first exchange is done our share may trigger its own offer.
          if (this.local.share) this.addShare(this.local.share);
        }
      }
      this.regroup();
    } else if (data.candidate) {
      if (!this.pc.remoteDescription) {
        this.pendingCandidates.push(data.candidate);
        return;
      }
      try {
        await this.pc.addIceCandidate(data.candidate);
      } catch (error) {
        // Candidates of an offer we ignored are expected to fail.
        if (!this.ignoreOffer) throw error;
      }
    }
  }

  /** Rolls our unanswered offer back; false if the connection refused even that. */
  private async rollBackOffer(): Promise<boolean> {
    this.clearOfferWatchdog();
    try {
      await this.pc.setLocalDescription({ type: 'rollback' });
    } catch (error) {
      this.emit('error', error);
      return false;
    }
    // Rollback re-arms negotiationneeded for new transceivers; an ICE restart needs asking again.
    if (this.pc.connectionState !== 'connected') this.pc.restartIce();
    return true;
  }

  private jam(cause: unknown): void {
    if (this.jammed || this.closed) return;
    this.jammed = true;
    this.clearTimers();
    this.emit('jammed', cause);
  }

  private async flushCandidates(): Promise<void> {
    const queued = this.pendingCandidates.splice(0);
    for (const candidate of queued) {
      try {
        await this.pc.addIceCandidate(candidate);
      } catch {
        // Queued candidates may belong to an offer that lost a glare; nothing to do.
      }
    }
  }

  /** Responder only: use the offer's first audio/video transceivers for camera and mic. */
  private adoptCameraTransceivers(): void {
    const transceivers = this.pc.getTransceivers();
    for (const kind of ['audio', 'video'] as const) {
      if (this.camera[kind]) continue;
      const t = transceivers.find(
        (x) => x.receiver.track.kind === kind && x.direction !== 'stopped' && !this.shareTransceivers.has(x),
      );
      if (!t) continue;
      this.camera[kind] = t;
      void this.applyLocal(kind);
    }
  }

  /**
   * Puts the current local track on the camera transceiver. Switching or muting is a
   * `replaceTrack` (no renegotiation); only going from "never sent" to sending flips
   * the direction, which renegotiates once.
   */
  private async applyLocal(kind: Kind): Promise<void> {
    const t = this.camera[kind];
    if (!t || this.closed || t.direction === 'stopped') return;
    const track = this.local[kind];
    if (track && (t.direction === 'recvonly' || t.direction === 'inactive')) {
      t.direction = t.direction === 'recvonly' ? 'sendrecv' : 'sendonly';
      if (this.local.stream) t.sender.setStreams?.(this.local.stream);
    }
    try {
      if (t.sender.track !== track) await t.sender.replaceTrack(track);
    } catch (error) {
      this.emit('error', error);
    }
  }

  private addShare(stream: MediaStream): void {
    for (const track of stream.getTracks()) {
      const t = this.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      this.shareTransceivers.add(t);
    }
  }

  /** Stops the share's transceivers: the m-lines get port 0 and may be reused later. */
  private removeShare(): void {
    for (const t of this.shareTransceivers) {
      try {
        t.stop();
      } catch (error) {
        this.emit('error', error);
      }
    }
    this.shareTransceivers.clear();
  }

  // ---- events from the connection ---------------------------------------------------

  private onIceCandidate(ev: RTCPeerConnectionIceEvent): void {
    const c = ev.candidate;
    // A null candidate only marks the end of gathering; the far side does not need it.
    if (!c || !c.candidate) return;
    this.sendSafely({
      candidate: {
        candidate: c.candidate,
        sdpMid: c.sdpMid,
        sdpMLineIndex: c.sdpMLineIndex,
        usernameFragment: c.usernameFragment,
      },
    });
  }

  private onTrack(ev: RTCTrackEvent): void {
    const { track, transceiver, streams } = ev;
    this.remote.add({ track, transceiver, streamIds: streams.map((s) => s.id) });
    track.addEventListener('ended', () => {
      this.remote.delete(track.id);
      this.regroup();
    });
    for (const stream of streams) {
      // The sender removed the track from its stream (e.g. its share stopped).
      stream.addEventListener('removetrack', (e) => {
        if ((e as MediaStreamTrackEvent).track === track) this.regroup();
      });
    }
    this.regroup();
  }

  private regroup(): void {
    if (this.closed) return;
    if (this.remote.regroup(this.pc.getTransceivers())) this.emit('media', this.remote.current);
  }

  private onConnectionState(): void {
    if (this.closed) return;
    const state = this.pc.connectionState;
    this.emit('connectionState', state);
    if (!this.jammed) this.restarter.onState(state);
  }

  /** An offer lost on the way would leave us in have-local-offer forever: roll back and retry. */
  private armOfferWatchdog(sdp: string): void {
    this.clearOfferWatchdog();
    this.offerTimer = setTimeout(() => {
      this.offerTimer = null;
      void this.enqueue(async () => {
        if (this.closed || this.jammed || this.pc.signalingState !== 'have-local-offer') return;
        if (this.pc.localDescription?.sdp !== sdp) return;
        if (!(await this.rollBackOffer())) this.jam(new Error('An unanswered offer could not be rolled back'));
      });
    }, this.opts.offerTimeoutMs ?? 10_000);
  }

  private clearOfferWatchdog(): void {
    if (this.offerTimer) clearTimeout(this.offerTimer);
    this.offerTimer = null;
  }

  private clearTimers(): void {
    this.restarter.dispose();
    this.clearOfferWatchdog();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.inbound.then(task).catch((error: unknown) => {
      if (!this.closed) this.emit('error', error);
    });
    this.inbound = run;
    return run;
  }

  private sendSafely(data: PeerSignal): void {
    try {
      Promise.resolve(this.opts.send({ ...data, generation: this.generation })).catch((error: unknown) => this.emit('error', error));
    } catch (error) {
      this.emit('error', error);
    }
  }
}
