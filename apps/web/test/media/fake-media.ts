/**
 * Media stand-ins for the mesh engine's unit tests (Node has no MediaStream): tracks
 * and streams with just the members the engine touches.
 */

let nextId = 1;
/** A unique id with a prefix (track-1, stream-2, …). */
export const uid = (p: string) => `${p}${nextId++}`;
/** One macrotask: lets timers, socket deliveries and fake async operations run. */
export const tick = () => new Promise<void>((r) => setTimeout(r, 0));

/** A MediaStreamTrack stand-in. */
export class FakeTrack extends EventTarget {
  readonly id = uid('track-');
  readyState: MediaStreamTrackState = 'live';
  enabled = true;
  constructor(readonly kind: 'audio' | 'video', readonly label: string = kind) {
    super();
  }
  stop(): void {
    this.readyState = 'ended';
  }
  /** Ends the track as the browser would (fires `ended`). */
  end(): void {
    this.readyState = 'ended';
    this.dispatchEvent(new Event('ended'));
  }
}

/** A MediaStream stand-in. */
export class FakeStream extends EventTarget {
  readonly id: string;
  private tracks: FakeTrack[];
  constructor(tracks: FakeTrack[] = [], id = uid('stream-')) {
    super();
    this.tracks = [...tracks];
    this.id = id;
  }
  getTracks(): FakeTrack[] {
    return [...this.tracks];
  }
  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'video');
  }
  addTrack(t: FakeTrack): void {
    if (!this.tracks.includes(t)) this.tracks.push(t);
  }
}

/** Casts a fake to the DOM type the engine expects. */
export const asTrack = (t: FakeTrack) => t as unknown as MediaStreamTrack;
/** Casts a fake to the DOM type the engine expects. */
export const asStream = (s: FakeStream) => s as unknown as MediaStream;
/** `createMediaStream` for the engine. */
export const createFakeStream = (tracks: MediaStreamTrack[]) =>
  new FakeStream(tracks as unknown as FakeTrack[]) as unknown as MediaStream;

/** Waits until queued timers and microtasks have run a few rounds (real timers). */
export async function settle(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await tick();
}

