/**
 * Draws the call as a grid on a canvas and mixes everyone's audio, producing one
 * MediaStream for MediaRecorder: the canvas track plus the mixer's track.
 *
 * A meeting recording must survive joins, leaves and device switches: the tile list is read from `getTiles()` on every
 * frame, so joins, leaves, muting and device switches only change what is drawn and
 * mixed; the two output tracks never change, so the recorder never notices. A tile
 * whose video is not ready (camera off, still connecting) is drawn as a name card.
 */
import { AudioMixer } from './audio-mixer.js';
import { computeGrid, containRect, coverCrop, type Rect } from './grid-layout.js';
import { startTicker, type Ticker } from './ticker.js';

/** One tile of the meeting recording. */
export interface CompositorTile {
  /** Stable key (peer id, or peer id + ":share"). */
  key: string;
  /** Name shown on the tile. */
  name: string;
  /** Its media; audio tracks are mixed, the video track drawn. */
  stream: MediaStream | null;
  /** Screens are drawn whole ("contain"), cameras fill the tile ("cover"). */
  kind: 'camera' | 'screen';
  /** Draw the name card instead of video (camera turned off). */
  videoOff?: boolean;
}

/** Options of {@link MeetingCompositor}. */
export interface MeetingCompositorOptions {
  /** Current tiles; called on every frame. */
  getTiles: () => CompositorTile[];
  /** @default 960 (540p keeps drawing and encoding affordable next to a live call) */
  width?: number;
  /** @default 540 */
  height?: number;
  /** Frames per second drawn and captured. @default 15 */
  fps?: number;
  /** Document to create the canvas and video elements in. @default globalThis.document */
  document?: Document;
}

interface VideoSlot {
  el: HTMLVideoElement;
  trackId: string;
}

const BACKGROUND = '#0f1115';
const TILE = '#1f232b';

/** Canvas grid + audio mix of a call, as one recordable stream. */
export class MeetingCompositor {
  readonly #opts: Required<Omit<MeetingCompositorOptions, 'document'>> & { document: Document };
  readonly #canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  readonly #videos = new Map<string, VideoSlot>();
  readonly #mixer: AudioMixer;
  readonly #videoTrack: MediaStreamTrack;
  #ticker: Ticker | null = null;
  /** The stream to record: one canvas video track and one mixed audio track. */
  readonly stream: MediaStream;

  constructor(options: MeetingCompositorOptions) {
    this.#opts = { width: 960, height: 540, fps: 15, document: globalThis.document, ...options };
    const doc = this.#opts.document;
    this.#canvas = doc.createElement('canvas');
    this.#canvas.width = this.#opts.width;
    this.#canvas.height = this.#opts.height;
    // Opaque on purpose: with alpha, Chrome's encoder writes VP8 alpha in BlockGroups,
    // which the seekable finalizer cannot time (see seekable.ts).
    const ctx = this.#canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('2D canvas is not available');
    this.#ctx = ctx;
    // Draw once before capturing so the first captured frame is not blank.
    this.frame();
    const captured = this.#canvas.captureStream(this.#opts.fps).getVideoTracks()[0];
    if (!captured) throw new Error('canvas.captureStream produced no track');
    this.#videoTrack = captured;
    this.#mixer = new AudioMixer();
    this.stream = new MediaStream([this.#videoTrack, this.#mixer.track]);
  }

  /** Start drawing at the configured frame rate. */
  start(): void {
    this.#ticker ??= startTicker(Math.round(1000 / this.#opts.fps), () => this.frame());
  }

  /** Draw one frame and resync the audio mix from the current tiles. */
  frame(): void {
    const tiles = this.#opts.getTiles();
    this.#syncVideos(tiles);
    this.#mixer?.sync(tiles.flatMap((t) => t.stream?.getAudioTracks() ?? []));
    const { width, height } = this.#opts;
    const ctx = this.#ctx;
    ctx.fillStyle = BACKGROUND;
    ctx.fillRect(0, 0, width, height);
    const rects = computeGrid(tiles.length, width, height);
    tiles.forEach((tile, i) => {
      const rect = rects[i];
      if (rect) this.#drawTile(tile, rect);
    });
  }

  #syncVideos(tiles: CompositorTile[]): void {
    const seen = new Set<string>();
    for (const tile of tiles) {
      const track = tile.stream?.getVideoTracks().find((t) => t.readyState === 'live');
      if (!track || !tile.stream || tile.videoOff) continue;
      seen.add(tile.key);
      const slot = this.#videos.get(tile.key);
      if (slot && slot.trackId === track.id) continue;
      const el = slot?.el ?? this.#opts.document.createElement('video');
      el.muted = true; // Audio goes through the mixer; never play it twice.
      el.playsInline = true;
      // A video-only stream per element: switching device replaces this element's
      // source without touching the audio of the same participant.
      el.srcObject = new MediaStream([track]);
      void el.play().catch(() => undefined);
      this.#videos.set(tile.key, { el, trackId: track.id });
    }
    for (const [key, slot] of this.#videos) {
      if (seen.has(key)) continue;
      slot.el.pause();
      slot.el.srcObject = null;
      this.#videos.delete(key);
    }
  }

  #drawTile(tile: CompositorTile, rect: Rect): void {
    const ctx = this.#ctx;
    ctx.fillStyle = TILE;
    ctx.fillRect(rect.x, rect.y, rect.w, rect.h);
    const el = this.#videos.get(tile.key)?.el;
    if (el && el.readyState >= 2 && el.videoWidth > 0) {
      if (tile.kind === 'screen') {
        const r = containRect(el.videoWidth, el.videoHeight, rect);
        ctx.drawImage(el, r.x, r.y, r.w, r.h);
      } else {
        const c = coverCrop(el.videoWidth, el.videoHeight, rect);
        ctx.drawImage(el, c.x, c.y, c.w, c.h, rect.x, rect.y, rect.w, rect.h);
      }
    } else {
      this.#drawNameCard(tile, rect);
    }
    this.#drawLabel(tile.kind === 'screen' ? `${tile.name} (screen)` : tile.name, rect);
  }

  #drawNameCard(tile: CompositorTile, rect: Rect): void {
    const ctx = this.#ctx;
    const r = Math.min(rect.w, rect.h) * 0.18;
    ctx.fillStyle = '#3b4252';
    ctx.beginPath();
    ctx.arc(rect.x + rect.w / 2, rect.y + rect.h / 2, r, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = '#e5e9f0';
    ctx.font = `${Math.round(r)}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText([...tile.name][0]?.toUpperCase() ?? '?', rect.x + rect.w / 2, rect.y + rect.h / 2);
  }

  #drawLabel(text: string, rect: Rect): void {
    const ctx = this.#ctx;
    const size = Math.max(12, Math.round(rect.h / 16));
    ctx.font = `${size}px system-ui, sans-serif`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    const pad = Math.round(size / 2);
    const w = Math.min(rect.w - pad * 2, ctx.measureText(text).width + pad * 2);
    const h = size + pad;
    ctx.fillStyle = 'rgba(0,0,0,0.55)';
    ctx.fillRect(rect.x + pad, rect.y + rect.h - h - pad, w, h);
    ctx.fillStyle = '#ffffff';
    ctx.fillText(text, rect.x + pad * 2, rect.y + rect.h - pad - h / 2, w - pad * 2);
  }

  /** Stop drawing, release elements and the mixer, end the output tracks. */
  async stop(): Promise<void> {
    this.#ticker?.stop();
    this.#ticker = null;
    this.#syncVideos([]);
    this.#videoTrack.stop();
    await this.#mixer.close();
  }
}
