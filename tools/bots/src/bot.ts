/**
 * A browser-less meshmeet participant for load tests. It speaks the documented protocol
 * (docs/protocol.md) like the web client: Socket.IO with `auth: { v }`, `room:join`, one
 * werift RTCPeerConnection per member, the newcomer offers, trickled ICE inside `signal`,
 * inbound `signal.data` validated with the protocol package's schemas. It sends the shared
 * prerecorded clip (VP8 + Opus) to every peer and counts what it receives, without decoding.
 *
 * Glare: like the web client, the side with the smaller id is polite. A bot only offers
 * when it joins; an offer that crosses its own is answered by a polite bot (rolling its own
 * back) and ignored by an impolite one, whose own offer then wins.
 *
 * Budget notices (`want`/`sending`) are valid messages that a bot reads and ignores: it
 * always sends its one clip.
 */
import { io, type Socket } from 'socket.io-client';
import { MediaStreamTrack, RTCPeerConnection, useOPUS, useVP8 } from 'werift';
import {
  Events,
  PROTOCOL_VERSION,
  schemas,
  type ClientToServerEvents,
  type JoinResult,
  type Peer,
  type ServerToClientEvents,
  type Ack,
} from '@meshmeet/protocol';
import type { ClipPlayer } from './clip.js';

/** Options of {@link Bot.join}. */
export interface BotOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:3000`. */
  server: string;
  room: string;
  nick: string;
  /** The shared clip to send. */
  player: ClipPlayer;
  /** Room password, when the room has one. */
  password?: string;
  /** Reports errors that do not stop the bot (a failed negotiation with one peer). */
  onError?: (error: unknown) => void;
  /** Reports every change of a connection's ICE or peer-connection state (diagnostics). */
  onStateChange?: (peerId: string, what: 'ice' | 'connection', state: string) => void;
}

/** What a bot received from one peer so far. */
export interface Received {
  videoPackets: number;
  audioPackets: number;
}

type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

interface Link {
  pc: RTCPeerConnection;
  received: Received;
  /** Unsubscribes from the clip player. */
  stopFeed: () => void;
  /** Inbound signals (and ICE restarts) are handled one at a time, in order. */
  queue: Promise<void>;
  /** An ICE restart is queued or running. */
  restarting: boolean;
}

/** How long a failed connection waits before the next ICE restart attempt. */
const RESTART_RETRY_MS = 5000;

/** See the module comment. Create with {@link Bot.join}; `leave()` when done. */
export class Bot {
  private readonly links = new Map<string, Link>();
  private selfId = '';
  /** ICE restarts this bot started (after a connection failed). */
  restarts = 0;

  private constructor(
    private readonly socket: AppSocket,
    private readonly opts: BotOptions,
  ) {}

  /** Connects, joins the room and offers to everyone already in it. */
  static async join(opts: BotOptions): Promise<Bot> {
    const socket: AppSocket = io(opts.server, { auth: { v: PROTOCOL_VERSION }, transports: ['websocket'], reconnection: false });
    const bot = new Bot(socket, opts);
    try {
      await bot.start();
    } catch (error) {
      socket.close();
      throw error;
    }
    return bot;
  }

  /** Our participant id (assigned by the server). */
  get id(): string {
    return this.selfId;
  }

  /** Ids of the peers we hold a connection with. */
  peers(): string[] {
    return [...this.links.keys()];
  }

  /** Packets received from one peer (null when there is no connection with it). */
  received(peerId: string): Received | null {
    const l = this.links.get(peerId);
    return l ? { ...l.received } : null;
  }

  /** RTP packets sent to one peer so far, per kind (null when there is no connection with it). */
  sent(peerId: string): Received | null {
    const l = this.links.get(peerId);
    if (!l) return null;
    // werift keeps the count (the RTCP sender report's) private; read it, not our own writes,
    // since a packet written before DTLS is up or after a failure is dropped inside werift.
    const count = (kind: string) =>
      (l.pc.getTransceivers().find((t) => t.kind === kind)?.sender as unknown as { packetCount?: number } | undefined)?.packetCount ?? 0;
    return { videoPackets: count('video'), audioPackets: count('audio') };
  }

  /**
   * The selected ICE pair's STUN counters with one peer (werift's candidate-pair stats):
   * requests sent / responses received are mostly consent checks once connected.
   */
  async iceStats(peerId: string): Promise<Record<string, number> | null> {
    const l = this.links.get(peerId);
    if (!l) return null;
    const report = await l.pc.getStats();
    for (const s of report.values() as Iterable<Record<string, unknown>>) {
      if (s.type === 'candidate-pair' && s.nominated) {
        const pick = ['requestsSent', 'responsesReceived', 'requestsReceived', 'responsesSent', 'consentRequestsSent', 'currentRoundTripTime', 'packetsReceived'];
        return Object.fromEntries(pick.map((k) => [k, Number(s[k] ?? NaN)]));
      }
    }
    return null;
  }

  /** The connection state with one peer. */
  connectionState(peerId: string): string | null {
    return this.links.get(peerId)?.pc.connectionState ?? null;
  }

  /** Leaves the room and closes every connection. */
  async leave(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.socket.connected) return resolve();
      const t = setTimeout(resolve, 2000);
      this.socket.emit(Events.leave, () => {
        clearTimeout(t);
        resolve();
      });
    });
    for (const id of [...this.links.keys()]) this.drop(id);
    this.socket.close();
  }

  private async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('connect_error', (e: Error & { data?: { code?: string } }) =>
        reject(new Error(`bot ${this.opts.nick} cannot connect: ${e.data?.code ?? ''} ${e.message}`)),
      );
    });
    // Room events may arrive before the join ack: hold them until it is processed.
    const held: (() => void)[] = [];
    let joined = false;
    const whenJoined = (fn: () => void) => (joined ? fn() : held.push(fn));
    this.socket.on(Events.peerJoined, (peer: Peer) => whenJoined(() => this.ensureLink(peer.id)));
    this.socket.on(Events.peerLeft, ({ id }) => whenJoined(() => this.drop(id)));
    this.socket.on(Events.signal, ({ from, data }) => whenJoined(() => this.onSignal(from, data)));

    const ack = await new Promise<Ack<JoinResult>>((resolve) =>
      this.socket.emit(
        Events.join,
        { room: this.opts.room, nick: this.opts.nick, password: this.opts.password, state: { mic: true, cam: true } },
        resolve,
      ),
    );
    if (!ack.ok) throw new Error(`bot ${this.opts.nick} could not join: ${ack.error.code} ${ack.error.message}`);
    this.selfId = ack.data.self.id;
    for (const member of ack.data.members) void this.offer(this.ensureLink(member.id));
    joined = true;
    for (const fn of held.splice(0)) fn();
  }

  private ensureLink(peerId: string): Link {
    const existing = this.links.get(peerId);
    if (existing) return existing;
    const pc = new RTCPeerConnection({
      iceServers: [],
      // werift leaves loopback out of its host candidates unless told; tests run on loopback.
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceUseIpv6: false,
      codecs: { audio: [useOPUS()], video: [useVP8()] },
    });
    const video = new MediaStreamTrack({ kind: 'video' });
    const audio = new MediaStreamTrack({ kind: 'audio' });
    pc.addTransceiver(audio, { direction: 'sendrecv' });
    pc.addTransceiver(video, { direction: 'sendrecv' });
    const received: Received = { videoPackets: 0, audioPackets: 0 };
    pc.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe(() => {
        if (track.kind === 'video') received.videoPackets++;
        else received.audioPackets++;
      });
    });
    pc.iceConnectionStateChange.subscribe((state) => this.opts.onStateChange?.(peerId, 'ice', state));
    pc.connectionStateChange.subscribe((state) => {
      this.opts.onStateChange?.(peerId, 'connection', state);
      if (state === 'failed') this.scheduleRestart(peerId);
    });
    pc.onIceCandidate.subscribe((candidate) => {
      if (candidate) this.send(peerId, { candidate: candidate.toJSON() });
    });
    const offV = this.opts.player.on('video', (p) => video.writeRtp(p));
    const offA = this.opts.player.on('audio', (p) => audio.writeRtp(p));
    const link: Link = { pc, received, stopFeed: () => (offV(), offA()), queue: Promise.resolve(), restarting: false };
    this.links.set(peerId, link);
    return link;
  }

  /**
   * Restarts ICE with a peer whose connection failed, as the web client does (docs: a failed
   * connection is restarted, not dropped). Needed because werift fails a connection when
   * none of its consent checks (RFC 7675: one try each, a 0.5–2 s wait) is answered in 30 s,
   * and a bot on a saturated machine sees round trips of that order although the peer is
   * there and still receiving: without a restart it stops sending for good, while the
   * browser, whose own checks are answered, keeps showing "connected" and never restarts.
   * Retried while the connection stays failed, at most every {@link RESTART_RETRY_MS}.
   */
  private scheduleRestart(peerId: string): void {
    const link = this.links.get(peerId);
    if (!link || link.restarting) return;
    link.restarting = true;
    link.queue = link.queue
      .then(async () => {
        if (this.links.get(peerId) !== link || link.pc.connectionState !== 'failed') return;
        if (link.pc.signalingState !== 'stable') return;
        this.restarts++;
        await this.offer(link, true);
      })
      .catch((e: unknown) => this.opts.onError?.(e))
      .finally(() => {
        link.restarting = false;
        setTimeout(() => {
          if (this.links.get(peerId) === link && link.pc.connectionState === 'failed') this.scheduleRestart(peerId);
        }, RESTART_RETRY_MS).unref();
      });
  }

  private async offer(link: Link, iceRestart = false): Promise<void> {
    const peerId = this.peerOf(link);
    try {
      const offer = await link.pc.createOffer({ iceRestart });
      await link.pc.setLocalDescription(offer);
      this.send(peerId, { description: { type: 'offer', sdp: link.pc.localDescription!.sdp } });
    } catch (error) {
      this.opts.onError?.(error);
    }
  }

  private onSignal(from: string, data: unknown): void {
    if (schemas.PeerNotice.safeParse(data).success) return;
    const parsed = schemas.PeerSignal.safeParse(data);
    if (!parsed.success) return this.opts.onError?.(new Error(`bot ${this.opts.nick}: unreadable signal from ${from}`));
    const link = this.ensureLink(from);
    link.queue = link.queue.then(() => this.handle(from, link, parsed.data)).catch((e: unknown) => this.opts.onError?.(e));
  }

  private async handle(from: string, link: Link, msg: ReturnType<typeof schemas.PeerSignal.parse>): Promise<void> {
    const { pc } = link;
    if ('candidate' in msg) {
      if (!msg.candidate) return;
      try {
        await pc.addIceCandidate(msg.candidate as Parameters<RTCPeerConnection['addIceCandidate']>[0]);
      } catch (error) {
        // A candidate trickled for the ICE generation an ICE restart just replaced: late, not
        // wrong (browsers drop these silently too).
        if (!/usernameFragment/.test(String(error))) throw error;
      }
      return;
    }
    const { description } = msg;
    if (description.type === 'offer') {
      const polite = this.selfId < from;
      if (pc.signalingState === 'have-local-offer') {
        if (!polite) return;
        await pc.setLocalDescription({ type: 'rollback' });
      }
      await pc.setRemoteDescription({ type: 'offer', sdp: description.sdp ?? '' });
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      this.send(from, { description: { type: 'answer', sdp: pc.localDescription!.sdp } });
    } else if (description.type === 'answer' && pc.signalingState === 'have-local-offer') {
      await pc.setRemoteDescription({ type: 'answer', sdp: description.sdp ?? '' });
    }
  }

  private send(to: string, data: Record<string, unknown>): void {
    this.socket.emit(Events.signal, { to, data }, (ack) => {
      if (!ack.ok && ack.error.code !== 'PEER_NOT_FOUND') this.opts.onError?.(new Error(`signal to ${to}: ${ack.error.code}`));
    });
  }

  private peerOf(link: Link): string {
    for (const [id, l] of this.links) if (l === link) return id;
    return '';
  }

  private drop(peerId: string): void {
    const link = this.links.get(peerId);
    if (!link) return;
    this.links.delete(peerId);
    link.stopFeed();
    void link.pc.close().catch(() => undefined);
  }
}
