/**
 * An RTCPeerConnection stand-in for the mesh engine's unit tests. It models the parts
 * of JSEP the engine relies on — signaling states, implicit rollback, mids, transceiver
 * directions, `track` and `negotiationneeded` events, ICE credentials and candidate
 * checks, and an operations chain that serialises SLD/SRD/addIceCandidate as browsers
 * do. The "SDP" is JSON. Real-browser behaviour is proven by the e2e tests.
 */
import { FakeStream, FakeTrack, tick, uid } from './fake-media';

type Dir = RTCRtpTransceiverDirection;
interface MLine {
  mid: string;
  kind: 'audio' | 'video';
  direction: Dir;
  port0: boolean;
  streamIds: string[];
}
interface FakeSdp {
  ufrag: string;
  mlines: MLine[];
}

const sends = (d: Dir | null | undefined) => d === 'sendrecv' || d === 'sendonly';
const recvs = (d: Dir | null | undefined) => d === 'sendrecv' || d === 'recvonly';
const dir = (send: boolean, recv: boolean): Dir =>
  send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';

/** An RTCRtpTransceiver stand-in. */
export class FakeTransceiver {
  mid: string | null = null;
  currentDirection: Dir | null = null;
  /** Direction we put in our last local description (for negotiation-needed). */
  negotiated: Dir | null = null;
  fromRemoteOffer = false;
  provisional = false;
  receiving = false;
  readonly receiver: { track: FakeTrack };
  readonly sender: {
    track: FakeTrack | null;
    streams: FakeStream[];
    replaceTrack: (t: FakeTrack | null) => Promise<void>;
    setStreams: (...s: FakeStream[]) => void;
    getParameters: () => { encodings: RTCRtpEncodingParameters[] };
    setParameters: (p: { encodings: RTCRtpEncodingParameters[] }) => Promise<void>;
  };
  constructor(
    readonly kind: 'audio' | 'video',
    public direction: Dir,
    track: FakeTrack | null,
    streams: FakeStream[],
    private readonly owner: FakePeerConnection,
  ) {
    this.receiver = { track: new FakeTrack(kind, 'remote') };
    let encodings: RTCRtpEncodingParameters[] = [{ active: true }];
    const sender = {
      track,
      streams,
      replaceTrack: async (t: FakeTrack | null) => {
        await tick();
        sender.track = t;
      },
      setStreams: (...s: FakeStream[]) => {
        sender.streams = s;
      },
      // Like a browser: no encodings until the transceiver has been negotiated (has a mid).
      getParameters: () => ({ encodings: this.mid === null ? [] : encodings.map((e) => ({ ...e })) }),
      setParameters: async (p: { encodings: RTCRtpEncodingParameters[] }) => {
        await tick();
        encodings = p.encodings.map((e) => ({ ...e }));
      },
    };
    this.sender = sender;
  }
  stop(): void {
    this.direction = 'stopped';
    this.sender.track = null;
    this.owner.updateNegotiationNeeded();
  }
}

/** Every FakePeerConnection made, for assertions. */
export const fakeConnections: FakePeerConnection[] = [];

/** An RTCPeerConnection stand-in (see the file comment for what it models). */
export class FakePeerConnection extends EventTarget {
  signalingState: RTCSignalingState = 'stable';
  connectionState: RTCPeerConnectionState = 'new';
  localDescription: { type: RTCSdpType; sdp: string } | null = null;
  remoteDescription: { type: RTCSdpType; sdp: string } | null = null;
  readonly added: RTCIceCandidateInit[] = [];
  readonly signalingLog: RTCSignalingState[] = [];
  restartCount = 0;
  /**
   * Test control: refuse the next remote answer, as Chromium does: its session error
   * stays, so every later description step, a rollback included, fails too.
   */
  refuseNextAnswer = false;
  /** Test control: the next rollback fails (as in a connection whose state is broken). */
  failNextRollback = false;
  private sessionError: string | null = null;
  stats = new Map<string, Record<string, unknown>>();
  private readonly transceivers: FakeTransceiver[] = [];
  private ufrag = uid('u');
  private remoteUfrag: string | null = null;
  private restartPending = false;
  private needed = false;
  private chain: Promise<unknown> = Promise.resolve();
  private stableLocal: FakePeerConnection['localDescription'] = null;
  private stableRemote: FakePeerConnection['remoteDescription'] = null;
  private nextMid = 0;
  private readonly remoteStreams = new Map<string, FakeStream>();

  constructor(readonly config: RTCConfiguration) {
    super();
    fakeConnections.push(this);
  }

  getConfiguration(): RTCConfiguration {
    return this.config;
  }
  getTransceivers(): FakeTransceiver[] {
    return [...this.transceivers];
  }
  getSenders() {
    return this.transceivers.map((t) => t.sender);
  }

  addTransceiver(trackOrKind: FakeTrack | 'audio' | 'video', init: RTCRtpTransceiverInit = {}): FakeTransceiver {
    const track = typeof trackOrKind === 'string' ? null : trackOrKind;
    const kind = typeof trackOrKind === 'string' ? trackOrKind : trackOrKind.kind;
    const t = new FakeTransceiver(kind, init.direction ?? 'sendrecv', track, (init.streams ?? []) as unknown as FakeStream[], this);
    // The engine assigns `direction`; route the setter through negotiation-needed.
    proxyDirection(t);
    this.transceivers.push(t);
    this.updateNegotiationNeeded();
    return t;
  }

  restartIce(): void {
    this.restartCount++;
    this.restartPending = true;
    this.updateNegotiationNeeded();
  }

  setLocalDescription(desc?: { type: RTCSdpType }): Promise<void> {
    return this.op(() => {
      this.throwSessionError();
      if (desc?.type === 'rollback') return this.rollback();
      const type = desc?.type ?? (this.signalingState === 'have-remote-offer' ? 'answer' : 'offer');
      if (type === 'offer') this.makeOffer();
      else this.makeAnswer();
    });
  }

  setRemoteDescription(desc: { type: RTCSdpType; sdp?: string }): Promise<void> {
    return this.op(() => {
      this.throwSessionError();
      if (desc.type === 'rollback') return this.rollback();
      if (desc.type === 'answer' && this.refuseNextAnswer && this.signalingState === 'have-local-offer') {
        const message = 'Failed to set remote answer sdp: Failed to set SSL role for the transport.';
        this.sessionError = message;
        this.refuseNextAnswer = false;
        throw domError('InvalidAccessError', message);
      }
      if (desc.type === 'offer') {
        if (this.signalingState === 'have-local-offer') this.rollback(); // implicit rollback (JSEP)
        if (this.signalingState !== 'stable') throw domError('InvalidStateError', 'SRD(offer) in ' + this.signalingState);
        this.applyRemoteOffer(desc.sdp ?? '');
      } else {
        if (this.signalingState !== 'have-local-offer') throw domError('InvalidStateError', 'SRD(answer) in ' + this.signalingState);
        this.applyRemoteAnswer(desc.sdp ?? '');
      }
      this.remoteDescription = { type: desc.type, sdp: desc.sdp ?? '' };
    });
  }

  addIceCandidate(c: RTCIceCandidateInit): Promise<void> {
    return this.op(() => {
      if (!this.remoteDescription) throw domError('InvalidStateError', 'no remote description');
      if (c.usernameFragment && c.usernameFragment !== this.remoteUfrag) throw domError('OperationError', 'unknown ufrag');
      this.added.push(c);
      if (this.signalingState === 'stable' && this.connectionState !== 'connected') this.setConnectionState('connected');
    });
  }

  getStats(): Promise<Map<string, Record<string, unknown>>> {
    return Promise.resolve(this.stats);
  }

  close(): void {
    this.signalingState = 'closed';
    this.connectionState = 'closed';
    for (const t of this.transceivers) t.receiver.track.stop();
  }

  /** Test control: pretend ICE reached `state`. */
  setConnectionState(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.dispatchEvent(new Event('connectionstatechange'));
  }

  /** Called by transceivers; fires `negotiationneeded` once the operations chain is idle. */
  updateNegotiationNeeded(): void {
    this.chain = this.chain.then(async () => {
      await tick();
      if (this.signalingState !== 'stable' || this.needed || !this.isNegotiationNeeded()) return;
      this.needed = true;
      this.dispatchEvent(new Event('negotiationneeded'));
    });
  }

  private isNegotiationNeeded(): boolean {
    if (this.restartPending) return true;
    return this.transceivers.some((t) =>
      t.mid === null ? t.direction !== 'stopped' : t.direction === 'stopped' ? t.currentDirection !== 'stopped' : t.direction !== t.negotiated,
    );
  }

  private throwSessionError(): void {
    if (this.sessionError) throw domError('OperationError', `Session error code: ERROR_CONTENT. ${this.sessionError}`);
  }

  private op(fn: () => void): Promise<void> {
    const run = this.chain.then(async () => {
      await tick();
      if (this.signalingState === 'closed') throw domError('InvalidStateError', 'closed');
      fn();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private setSignaling(state: RTCSignalingState): void {
    this.signalingState = state;
    this.signalingLog.push(state);
    this.dispatchEvent(new Event('signalingstatechange'));
    if (state === 'stable') {
      this.needed = false;
      this.stableLocal = this.localDescription;
      this.stableRemote = this.remoteDescription;
      this.updateNegotiationNeeded();
    }
  }

  private describe(mlines: MLine[]): string {
    return JSON.stringify({ ufrag: this.ufrag, mlines } satisfies FakeSdp);
  }

  private makeOffer(): void {
    if (this.signalingState !== 'stable' && this.signalingState !== 'have-local-offer') {
      throw domError('InvalidStateError', 'offer in ' + this.signalingState);
    }
    if (this.restartPending) {
      this.ufrag = uid('u');
      this.restartPending = false;
    }
    for (const t of this.transceivers) {
      if (t.mid === null && t.direction !== 'stopped') {
        t.mid = String(this.nextMid++);
        t.provisional = true;
      }
    }
    const mlines = this.transceivers
      .filter((t) => t.mid !== null)
      .map((t) => {
        t.negotiated = t.direction;
        return this.mline(t, t.direction === 'stopped' ? 'inactive' : t.direction);
      });
    this.localDescription = { type: 'offer', sdp: this.describe(mlines) };
    this.setSignaling('have-local-offer');
    this.gather();
  }

  private makeAnswer(): void {
    if (this.signalingState !== 'have-remote-offer') throw domError('InvalidStateError', 'answer in ' + this.signalingState);
    const offer = JSON.parse(this.remoteDescription?.sdp ?? '{}') as FakeSdp;
    const mlines = offer.mlines.map((m) => {
      const t = this.byMid(m.mid)!;
      if (m.port0 || t.direction === 'stopped') {
        t.direction = 'stopped';
        t.currentDirection = 'stopped';
        return this.mline(t, 'inactive');
      }
      const d = dir(sends(t.direction) && recvs(m.direction), recvs(t.direction) && sends(m.direction));
      t.currentDirection = d;
      t.negotiated = t.direction;
      t.fromRemoteOffer = false;
      return this.mline(t, d);
    });
    this.localDescription = { type: 'answer', sdp: this.describe(mlines) };
    this.setSignaling('stable');
    this.gather();
  }

  private applyRemoteOffer(sdp: string): void {
    const offer = JSON.parse(sdp) as FakeSdp;
    this.remoteUfrag = offer.ufrag;
    const fire: Array<[FakeTransceiver, MLine]> = [];
    for (const m of offer.mlines) {
      let t = this.byMid(m.mid);
      if (!t) {
        t = new FakeTransceiver(m.kind, 'recvonly', null, [], this);
        proxyDirection(t);
        t.mid = m.mid;
        t.fromRemoteOffer = true;
        this.nextMid = Math.max(this.nextMid, Number(m.mid) + 1);
        this.transceivers.push(t);
      }
      if (m.port0) {
        t.direction = 'stopped';
        t.currentDirection = 'stopped';
        t.receiver.track.stop();
        continue;
      }
      if (sends(m.direction) && !t.receiving) fire.push([t, m]);
      t.receiving = sends(m.direction);
    }
    this.setSignaling('have-remote-offer');
    for (const [t, m] of fire) this.fireTrack(t, m);
  }

  private applyRemoteAnswer(sdp: string): void {
    const answer = JSON.parse(sdp) as FakeSdp;
    this.remoteUfrag = answer.ufrag;
    const fire: Array<[FakeTransceiver, MLine]> = [];
    for (const m of answer.mlines) {
      const t = this.byMid(m.mid);
      if (!t) continue;
      t.provisional = false;
      if (m.port0 || t.direction === 'stopped') {
        t.currentDirection = 'stopped';
        continue;
      }
      t.currentDirection = dir(sends(t.direction) && recvs(m.direction), recvs(t.direction) && sends(m.direction));
      if (sends(m.direction) && !t.receiving) fire.push([t, m]);
      t.receiving = sends(m.direction);
    }
    this.setSignaling('stable');
    for (const [t, m] of fire) this.fireTrack(t, m);
  }

  private rollback(): void {
    if (this.failNextRollback) {
      this.failNextRollback = false;
      throw domError('OperationError', 'rollback failed');
    }
    if (this.signalingState === 'have-local-offer') {
      for (const t of this.transceivers) {
        if (t.provisional) {
          t.mid = null;
          t.provisional = false;
          t.negotiated = null;
        }
      }
    } else if (this.signalingState === 'have-remote-offer') {
      for (const t of this.transceivers.filter((x) => x.fromRemoteOffer)) {
        this.transceivers.splice(this.transceivers.indexOf(t), 1);
      }
    } else {
      throw domError('InvalidStateError', 'rollback in ' + this.signalingState);
    }
    this.localDescription = this.stableLocal;
    this.remoteDescription = this.stableRemote;
    this.setSignaling('stable');
  }

  private mline(t: FakeTransceiver, direction: Dir): MLine {
    return {
      mid: t.mid!,
      kind: t.kind,
      direction,
      port0: t.direction === 'stopped',
      streamIds: t.sender.streams.map((s) => s.id),
    };
  }

  private fireTrack(t: FakeTransceiver, m: MLine): void {
    const streams = m.streamIds.map((id) => {
      let s = this.remoteStreams.get(id);
      if (!s) this.remoteStreams.set(id, (s = new FakeStream([], id)));
      s.addTrack(t.receiver.track);
      return s;
    });
    const ev = Object.assign(new Event('track'), { track: t.receiver.track, transceiver: t, streams, receiver: t.receiver });
    this.dispatchEvent(ev);
  }

  private gather(): void {
    const ufrag = this.ufrag;
    void tick().then(() => {
      if (this.signalingState === 'closed') return;
      const candidate = { candidate: `${uid('candidate:')} 1 udp 1 127.0.0.1 9 typ host`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: ufrag };
      this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate }));
    });
  }

  private byMid(mid: string): FakeTransceiver | undefined {
    return this.transceivers.find((t) => t.mid === mid);
  }
}

/** Routes `t.direction = x` through negotiation-needed, as the real setter does. */
function proxyDirection(t: FakeTransceiver): void {
  let value = t.direction;
  Object.defineProperty(t, 'direction', {
    get: () => value,
    set: (d: Dir) => {
      const changed = d !== value;
      value = d;
      if (changed) (t as unknown as { owner: FakePeerConnection }).owner.updateNegotiationNeeded();
    },
  });
}

function domError(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

/** `createPeerConnection` for the engine. */
export const createFakePeerConnection = (config: RTCConfiguration) =>
  new FakePeerConnection(config) as unknown as RTCPeerConnection;

