/**
 * Both halves of the video budget for one mesh:
 * - as a sender, a {@link BudgetController} limits what each link carries and hears each
 *   receiver's `{ want }`;
 * - as a receiver, it asks each sender for no more than its tile shows (`{ want }`), or
 *   for nothing at all when the tile is hidden or the user chose "Stop incoming video",
 *   and keeps each sender's `{ sending }` notice so the tile can say why video paused.
 *
 * Framework-free; the call session attaches one per mesh and the UI reads it through the
 * session.
 */
import type { PeerNotice, VideoSending } from '@meshmeet/protocol';
import { BudgetController, type LinkSendReport } from './budget-controller';
import { CAMERA_LADDER } from './budget';
import type { LocalMedia } from './peer-local-senders';

/** Options of {@link MeshBudget}. */
export interface MeshBudgetOptions {
  /** Apply the send budget (false = the "no budget" baseline). @default true */
  enabled?: boolean;
  /** "Send less video" at start. @default false */
  dataSaver?: boolean;
  /** "Stop incoming video" at start. @default false */
  incomingVideoOff?: boolean;
  /** Sampling interval of the sender side. @default 2000 */
  intervalMs?: number;
  /** Called whenever a notice from a sender changes what a tile should say. */
  onChange?: () => void;
}

/** Heights a receiver asks for: the ladder's steps, so a resize by a few pixels sends nothing. */
const STEPS = [...new Set(CAMERA_LADDER.map((t) => t.height))].sort((a, b) => a - b);

/** The smallest ladder height at least `px` tall (the tallest for anything above). */
export function wantedHeight(px: number): number {
  if (px <= 0) return 0;
  return STEPS.find((h) => h >= px) ?? STEPS[STEPS.length - 1]!;
}

/**
 * The part of the mesh the budget uses. Defined here (and satisfied by `Mesh`) so the
 * budget depends on the mesh's shape, not on its module: `mesh.ts` imports this one.
 */
export interface BudgetedMesh {
  peerIds(): string[];
  has(id: string): boolean;
  peerConnections(): Map<string, RTCPeerConnection>;
  readonly localMedia: Readonly<LocalMedia>;
  sendNotice(id: string, notice: PeerNotice): void;
  on(event: 'notice', listener: (peerId: string, notice: PeerNotice) => void): () => void;
  on(event: 'connectionState', listener: (peerId: string, state: RTCPeerConnectionState) => void): () => void;
}

/** See the module comment. */
export class MeshBudget {
  readonly controller: BudgetController;
  private readonly mesh: BudgetedMesh;
  private readonly opts: MeshBudgetOptions;
  private readonly shown = new Map<string, number>();
  private readonly asked = new Map<string, number>();
  private readonly notices = new Map<string, VideoSending>();
  private incomingOff: boolean;
  private readonly unsubscribe: () => void;
  /** Connections counted at the last decision forced by a change in the room's size. */
  private links = 0;

  constructor(mesh: BudgetedMesh, options: MeshBudgetOptions = {}) {
    this.mesh = mesh;
    this.opts = options;
    this.incomingOff = options.incomingVideoOff ?? false;
    this.controller = new BudgetController({
      connections: () => mesh.peerConnections(),
      local: () => {
        const l = mesh.localMedia;
        return { camera: l.video, microphone: l.audio, share: l.share };
      },
      send: (id, notice) => mesh.sendNotice(id, notice),
      enabled: options.enabled,
      dataSaver: options.dataSaver,
      intervalMs: options.intervalMs,
      onError: (e) => console.warn('[meshmeet] send budget:', e),
    });
    const offNotice = mesh.on('notice', (from, notice) => this.onNotice(from, notice));
    // A room that grows must not wait for the next periodic decision: until then every new
    // link would get the full capture, and a page joining a room of five would encode five
    // full-size streams at once.
    const offState = mesh.on('connectionState', () => {
      const links = mesh.peerIds().length;
      if (links === this.links) return;
      this.links = links;
      void this.controller.tick();
    });
    this.unsubscribe = () => (offNotice(), offState());
    this.controller.start();
  }

  /** "Send less video" on or off. */
  setDataSaver(on: boolean): void {
    this.controller.setDataSaver(on);
  }

  /** "Stop incoming video" on or off: asks every sender for no video, or for its tile size again. */
  setIncomingVideoOff(off: boolean): void {
    this.incomingOff = off;
    for (const id of this.mesh.peerIds()) this.ask(id);
  }

  /**
   * The tile of `peerId` is shown `heightPx` device pixels tall (0 = hidden, off-screen or
   * not rendered). Asks that sender for a matching picture when the step changes.
   */
  showTile(peerId: string, heightPx: number): void {
    this.shown.set(peerId, Math.max(0, heightPx));
    this.ask(peerId);
  }

  /** What the sender `peerId` said it sends us (null: nothing said yet). */
  incoming(peerId: string): VideoSending | null {
    return this.notices.get(peerId) ?? null;
  }

  /** What we send to `peerId` and why (null before the first sample). */
  outgoing(peerId: string): LinkSendReport | null {
    return this.controller.report(peerId);
  }

  /** A participant left. */
  forget(peerId: string): void {
    this.shown.delete(peerId);
    this.asked.delete(peerId);
    this.notices.delete(peerId);
    this.controller.forget(peerId);
  }

  /** Stops sampling and listening. */
  close(): void {
    this.controller.stop();
    this.unsubscribe();
  }

  private ask(peerId: string): void {
    if (!this.controller.enabled) return;
    const shown = this.shown.get(peerId);
    // A tile never reported (not mounted yet) asks for nothing: the sender's own budget applies.
    if (shown === undefined && !this.incomingOff) return;
    const maxHeight = this.incomingOff ? 0 : wantedHeight(shown ?? 0);
    if (this.asked.get(peerId) === maxHeight || !this.mesh.has(peerId)) return;
    this.asked.set(peerId, maxHeight);
    this.mesh.sendNotice(peerId, { want: { maxHeight } });
  }

  private onNotice(from: string, notice: PeerNotice): void {
    if ('want' in notice) this.controller.setWant(from, notice.want);
    else {
      const first = !this.notices.has(from);
      this.notices.set(from, notice.sending);
      // A request sent before the sender had a connection for us was dropped there: its
      // first notice proves it now has one, so ask again.
      if (first) {
        this.asked.delete(from);
        this.ask(from);
      }
      this.opts.onChange?.();
    }
  }
}
