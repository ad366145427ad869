import type { PeerSignal } from '@meshmeet/protocol';
import { TypedEmitter } from '../lib/typed-emitter';
import { RemoteStreams, type CreateMediaStream, type RemoteMedia } from './peer-remote-streams';
import { IceRestarter, type IceRestartPolicy } from './peer-ice-restart';
import { LocalSenders, type CameraKind, type LocalMedia } from './peer-local-senders';
import { OfferWatchdog, rollBackLocalOffer } from './peer-offer-watchdog';
import { withOpusDtx } from './opus-dtx';

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
  /** An offer unanswered this long (lost on the way) is rolled back and retried (see {@link OfferWatchdog}). @default 10000 */
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

/**
 * One RTCPeerConnection to one remote participant, negotiated with MDN's "perfect
 * negotiation" pattern so either side may renegotiate at any time:
 * - the side with the lexicographically smaller id is *polite*: on glare it rolls back
 *   its own offer and answers; the impolite side ignores the colliding offer;
 * - inbound messages are handled one at a time, in order; ICE candidates that arrive
 *   before a remote description are queued and added right after it is set;
 * - `failed` (or `disconnected` for a while) triggers `restartIce()` with backoff
 *   (see {@link IceRestarter});
 * - an offer unanswered for `offerTimeoutMs` is rolled back (see {@link OfferWatchdog}).
 *
 * Who creates transceivers (so the first exchange never collides): the initiator
 * (newcomer) creates its camera and microphone transceivers at once and its
 * `negotiationneeded` sends the first offer. The responder adds nothing before that
 * offer; it then attaches its camera/mic to the offer's first audio and video
 * transceivers before answering, and adds its share (if any) only after answering
 * (see {@link LocalSenders}).
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
  private readonly watchdog: OfferWatchdog;
  private readonly senders: LocalSenders;
  private readonly remote: RemoteStreams;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswerPending = false;
  /** True once our tracks may be added freely (initiator: always; responder: after its first answer). */
  private ready: boolean;
  private inbound: Promise<void> = Promise.resolve();
  private pendingCandidates: RTCIceCandidateInit[] = [];
  private closed = false;
  private jammed = false;

  constructor(options: PeerConnectionOptions) {
    // A throwing listener of ours must not break negotiation: report and carry on.
    super((error, event) => console.error(`[meshmeet] peer "${event}" listener threw`, error));
    this.opts = options;
    this.polite = options.selfId < options.remoteId;
    this.generation = options.generation ?? 0;
    this.remote = new RemoteStreams(options.createMediaStream);
    this.pc = options.createPeerConnection(options.config);
    this.restarter = new IceRestarter(options.iceRestart, {
      state: () => this.pc.connectionState,
      restart: () => this.pc.restartIce(),
      gaveUp: (n) => this.emit('error', new Error(`ICE restart gave up after ${n} attempts`)),
    });
    this.watchdog = new OfferWatchdog(
      {
        serialize: (task) => void this.enqueue(task),
        unanswered: (sdp) =>
          !this.closed && !this.jammed && this.pc.signalingState === 'have-local-offer' && this.pc.localDescription?.sdp === sdp,
        rollBack: async () => {
          try {
            await rollBackLocalOffer(this.pc);
          } catch (error) {
            this.emit('error', error);
            this.jam(new Error('An unanswered offer could not be rolled back'));
          }
        },
      },
      options.offerTimeoutMs,
    );
    this.senders = new LocalSenders(this.pc, options.local, {
      closed: () => this.closed,
      error: (error) => this.emit('error', error),
    });
    this.pc.addEventListener('negotiationneeded', () => void this.onNegotiationNeeded());
    this.pc.addEventListener('icecandidate', (ev) => this.onIceCandidate(ev));
    this.pc.addEventListener('track', (ev) => this.onTrack(ev));
    this.pc.addEventListener('connectionstatechange', () => this.onConnectionState());
    this.ready = options.initiator;
    if (options.initiator) this.senders.createAll();
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
  async setLocalTrack(kind: CameraKind, track: MediaStreamTrack | null, stream: MediaStream | null): Promise<void> {
    await this.senders.setTrack(kind, track, stream);
  }

  /** Mutes or unmutes the microphone without renegotiating (see {@link LocalMedia.micMuted}). */
  async setMicMuted(muted: boolean): Promise<void> {
    await this.senders.setMicMuted(muted);
  }

  /** Starts sending a screen share (renegotiates), or queues it until our first answer. */
  setShare(stream: MediaStream | null): void {
    this.senders.setShare(stream, this.ready && !this.closed);
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
      if (description.type === 'offer') this.watchdog.arm(description.sdp);
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
        // Our Opus sender uses DTX toward this peer (see opus-dtx.ts).
        await this.pc.setRemoteDescription(description.sdp ? { type: description.type, sdp: withOpusDtx(description.sdp) } : description);
      } catch (error) {
        this.emit('error', error);
        this.jam(error);
        return;
      } finally {
        this.settingRemoteAnswerPending = false;
      }
      if (description.type === 'answer') this.watchdog.clear();
      await this.flushCandidates();
      if (description.type === 'offer') {
        if (!this.ready) this.senders.adoptOffered();
        await this.pc.setLocalDescription();
        const answer = this.pc.localDescription;
        if (answer && !this.closed) this.sendSafely({ description: { type: answer.type, sdp: answer.sdp } });
        if (!this.ready) {
          this.ready = true;
          // Now that the first exchange is done our share may trigger its own offer.
          this.senders.sendShare();
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

  private clearTimers(): void {
    this.restarter.dispose();
    this.watchdog.clear();
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
