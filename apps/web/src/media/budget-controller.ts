/**
 * Runs the send budget of a mesh: every few seconds it samples each connection's
 * `getStats()`, asks {@link decideBudget} what every outgoing camera and share stream may
 * cost, and applies that with `RTCRtpSender.setParameters` — no renegotiation, so a change
 * takes effect within a frame or two and never races perfect negotiation.
 *
 * It also tells each receiver what it sends and why (`{ sending }` over signaling), so a
 * paused camera shows a reason instead of a frozen picture, and it takes each receiver's
 * `{ want }` (the tallest picture it shows of us) as a limit.
 *
 * Invariants: it never adds, removes or replaces tracks or transceivers (the peer
 * connection owns those); it only touches `encodings[0]` of senders whose track is our
 * camera, our microphone or our share; a failed `setParameters` is reported and retried at
 * the next tick. Disabled (`enabled: false`) it changes nothing at all: that is the
 * "no budget" baseline the mesh benchmark compares against.
 */
import type { PeerNotice, VideoSending, VideoWant } from '@meshmeet/protocol';
import {
  captureFor,
  decideBudget,
  initialBudgetState,
  type BudgetReason,
  type BudgetState,
  type LinkDecision,
  type LinkInput,
  type StreamDecision,
} from './budget';
import { readLinkSample, type SendCounters, type SentVideo } from './budget-stats';

/** What we send right now. */
export interface LocalSendMedia {
  camera: MediaStreamTrack | null;
  microphone: MediaStreamTrack | null;
  share: MediaStream | null;
}

/** Options of {@link BudgetController}. */
export interface BudgetControllerOptions {
  /** The live connections by peer id (e.g. `mesh.peerConnections()`). */
  connections: () => Map<string, RTCPeerConnection>;
  /** What we send now (camera, microphone, share). */
  local: () => LocalSendMedia;
  /** Sends a `{ sending }` notice to one peer. */
  send: (peerId: string, data: PeerNotice) => void;
  /** When false, nothing is ever changed (the benchmark's baseline). @default true */
  enabled?: boolean;
  /** "Send less video" at start. @default false */
  dataSaver?: boolean;
  /** How often to sample and decide. @default 2000 */
  intervalMs?: number;
  /** Clock, injectable for tests. @default performance.now */
  now?: () => number;
  /** Reports a failure that changed nothing (logged, shown in debug). */
  onError?: (error: unknown) => void;
}

/** What the connection details panel shows about our side of one link. */
export interface LinkSendReport {
  /** What the camera actually sends (from stats). */
  sent: SentVideo;
  /** The budget's decision for the camera; null before the first decision or when disabled. */
  camera: StreamDecision | null;
  /** Video kbit/s the link may carry after audio. */
  videoKbps: number | null;
  /** The receiver's last request (null: none yet). */
  want: VideoWant | null;
}

/** A microphone whose level (0..1) was above this lately counts as speaking. */
const SPEAKING_LEVEL = 0.05;

type AnyStats = { id: string; type: string; [key: string]: unknown };

/** See the module comment. One per call; `stop()` on leave. */
export class BudgetController {
  private readonly opts: BudgetControllerOptions;
  private readonly now: () => number;
  private state: BudgetState = initialBudgetState();
  private readonly counters = new Map<string, SendCounters>();
  private readonly wants = new Map<string, VideoWant>();
  private readonly reports = new Map<string, LinkSendReport>();
  private readonly notices = new Map<string, string>();
  /** Last parameters we set per sender, so unchanged ones are not set again. */
  private readonly applied = new WeakMap<RTCRtpSender, string>();
  /** Per camera track: the user's capture (the ceiling) and the capture we last set. */
  private readonly captures = new WeakMap<MediaStreamTrack, { ceiling: CaptureSize & { width: number }; applied: CaptureSize | null }>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<void> | null = null;
  private dataSaver: boolean;

  constructor(options: BudgetControllerOptions) {
    this.opts = options;
    this.now = options.now ?? (() => performance.now());
    this.dataSaver = options.dataSaver ?? false;
  }

  /** Whether the budget is applied at all. */
  get enabled(): boolean {
    return this.opts.enabled ?? true;
  }

  /** Starts the periodic sampling (idempotent). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs ?? 2000);
  }

  /** Stops sampling. Encodings stay as they are (the connections are closing anyway). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** A receiver told us the tallest picture it shows of us (0 = none). Applied now. */
  setWant(peerId: string, want: VideoWant): void {
    this.wants.set(peerId, want);
    void this.tick();
  }

  /** The user's "Send less video" choice. Applied now. */
  setDataSaver(on: boolean): void {
    this.dataSaver = on;
    void this.tick();
  }

  /** A participant left: forget what we knew about their link. */
  forget(peerId: string): void {
    this.counters.delete(peerId);
    this.wants.delete(peerId);
    this.reports.delete(peerId);
    this.notices.delete(peerId);
  }

  /** What we send to one peer and why (null before the first sample). */
  report(peerId: string): LinkSendReport | null {
    return this.reports.get(peerId) ?? null;
  }

  /**
   * Samples every connection, decides and applies. Runs one at a time: a tick asked for
   * while one runs waits for it and then runs again with fresh stats.
   */
  async tick(): Promise<void> {
    const previous = this.running ?? Promise.resolve();
    const run = previous.then(() => this.runTick()).catch((error: unknown) => this.opts.onError?.(error));
    this.running = run;
    await run;
  }

  private async runTick(): Promise<void> {
    const connections = [...this.opts.connections()].filter(([, pc]) => pc.connectionState !== 'closed');
    const local = this.opts.local();
    const now = this.now();
    let speaking = false;
    const links: LinkInput[] = [];
    const sent = new Map<string, SentVideo>();
    await Promise.all(
      connections.map(async ([peerId, pc]) => {
        const report = await pc.getStats();
        const stats = [...(report.values() as Iterable<AnyStats>)];
        const sample = readLinkSample(stats, now, this.counters.get(peerId) ?? null, local.camera?.id ?? null);
        this.counters.set(peerId, sample.counters);
        sent.set(peerId, sample.sent);
        if (micLevel(stats, local.microphone) > SPEAKING_LEVEL) speaking = true;
        links.push({ peerId, measured: sample.measured, request: this.wants.get(peerId) ?? null });
      }),
    );
    links.sort((a, b) => (a.peerId < b.peerId ? -1 : 1));
    const decide = (capture: CaptureSize | null) =>
      decideBudget(
        {
          now,
          links,
          capture,
          sharing: local.share !== null && local.share.getVideoTracks().length > 0,
          speaking,
          dataSaver: this.dataSaver,
        },
        this.state,
      );
    let capture = local.camera ? captureOf(local.camera) : null;
    let decision = decide(capture);
    // The camera captures no more than the room needs; the encodings are then decided
    // against the new capture size, so no link is scaled twice for one tick.
    if (this.enabled && local.camera && links.length > 0 && (await this.fitCapture(local.camera, links.length, decision.state.cpuLevel))) {
      capture = captureOf(local.camera);
      decision = decide(capture);
    }
    this.state = decision.state;
    const pcs = new Map(connections);
    for (const link of decision.links) {
      const pc = pcs.get(link.peerId);
      if (!pc) continue;
      this.reports.set(link.peerId, {
        sent: sent.get(link.peerId) ?? { kbps: null, frameHeight: null, fps: null },
        camera: this.enabled ? link.camera : null,
        videoKbps: this.enabled ? link.videoKbps : null,
        want: this.wants.get(link.peerId) ?? null,
      });
      if (!this.enabled) continue;
      await this.apply(pc, link, local);
      this.notify(link.peerId, link.camera, local.camera !== null);
    }
  }

  /**
   * Asks the camera for the capture {@link captureFor} gives (lower as the room grows or the
   * CPU is busy, back up to the user's own choice as it shrinks). Returns whether the
   * capture changed. The user's choice is the track's size when first seen, or whatever it
   * was changed to since by someone else (a new resolution picked mid-call).
   */
  private async fitCapture(camera: MediaStreamTrack, links: number, cpuLevel: number): Promise<boolean> {
    if (typeof camera.applyConstraints !== 'function' || camera.readyState === 'ended') return false;
    const now = captureOf(camera);
    let fit = this.captures.get(camera);
    if (!fit || (fit.applied && (now.height !== fit.applied.height || now.fps !== fit.applied.fps))) {
      // First sight, or the size moved away from what we asked: that is the user's choice now.
      const s = camera.getSettings();
      fit = { ceiling: { ...now, width: s.width ?? Math.round((now.height * 16) / 9) }, applied: null };
      this.captures.set(camera, fit);
    }
    const want = captureFor(links, cpuLevel, fit.ceiling);
    if (want.height === now.height && want.fps === now.fps) return false;
    const width = Math.round((want.height * fit.ceiling.width) / fit.ceiling.height);
    try {
      await camera.applyConstraints({ width: { ideal: width }, height: { ideal: want.height }, frameRate: { ideal: want.fps } });
    } catch (error) {
      this.opts.onError?.(error);
      return false;
    }
    fit.applied = captureOf(camera);
    return true;
  }

  /** Sets the encodings of one connection's camera, share and microphone senders. */
  private async apply(pc: RTCPeerConnection, link: LinkDecision, local: LocalSendMedia): Promise<void> {
    const shareTracks = new Set(local.share?.getTracks() ?? []);
    for (const sender of pc.getSenders()) {
      const track = sender.track;
      if (!track) continue;
      if (track === local.camera) await this.setEncoding(sender, link.camera);
      else if (track === local.microphone) await this.setEncoding(sender, { priority: 'high' });
      else if (shareTracks.has(track) && track.kind === 'video') {
        // Screen content: keep text sharp and drop frames rather than pixels.
        if (!track.contentHint) track.contentHint = 'detail';
        if (link.share) await this.setEncoding(sender, link.share);
      } else if (shareTracks.has(track)) await this.setEncoding(sender, { priority: 'high' });
    }
  }

  private async setEncoding(sender: RTCRtpSender, d: Partial<StreamDecision>): Promise<void> {
    const wanted: Partial<RTCRtpEncodingParameters> = { priority: d.priority, networkPriority: d.priority };
    if (d.active !== undefined) {
      wanted.active = d.active;
      if (d.active) {
        wanted.maxBitrate = d.maxBitrate;
        wanted.scaleResolutionDownBy = d.scaleResolutionDownBy;
        wanted.maxFramerate = d.maxFramerate;
      }
    }
    const key = JSON.stringify(wanted);
    if (this.applied.get(sender) === key) return;
    // A sender without a transport has not been negotiated yet, so it has no encoding to
    // set; and in Chromium getParameters() blocks the page until WebRTC's signaling thread
    // answers, which while a call starts is busy making the offer (15 ms per link measured
    // in a join). `undefined`: a browser without the attribute, asked as before.
    if (sender.transport === null) return;
    const params = sender.getParameters();
    // Before the first negotiation completes there is nothing to set yet.
    if (!params.encodings || params.encodings.length === 0) return;
    params.encodings[0] = { ...params.encodings[0], ...wanted };
    try {
      await sender.setParameters(params);
      this.applied.set(sender, key);
    } catch (error) {
      this.opts.onError?.(error);
    }
  }

  /** Tells the receiver what our camera sends when that changes (paused, size, reason). */
  private notify(peerId: string, camera: StreamDecision, hasCamera: boolean): void {
    if (!hasCamera) return;
    const sending: VideoSending = { active: camera.active, height: Math.round(camera.height), reason: camera.reason as BudgetReason };
    const key = JSON.stringify(sending);
    if (this.notices.get(peerId) === key) return;
    this.notices.set(peerId, key);
    try {
      this.opts.send(peerId, { sending });
    } catch (error) {
      this.opts.onError?.(error);
    }
  }
}

interface CaptureSize {
  height: number;
  fps: number;
}

/** What a camera captures now (720p30 assumed when the browser does not say). */
function captureOf(camera: MediaStreamTrack): CaptureSize {
  const s = camera.getSettings?.() ?? {};
  return { height: s.height ?? 720, fps: Math.round(s.frameRate ?? 30) };
}

/** The level (0..1) of our microphone's media source in one report, 0 when absent. */
function micLevel(stats: AnyStats[], microphone: MediaStreamTrack | null): number {
  if (!microphone) return 0;
  const source = stats.find((s) => s.type === 'media-source' && s.kind === 'audio' && s.trackIdentifier === microphone.id);
  return typeof source?.audioLevel === 'number' ? source.audioLevel : 0;
}
