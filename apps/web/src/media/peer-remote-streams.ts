/**
 * Groups the tracks received from one participant into what the UI shows: a camera
 * stream (microphone + camera) and a screen-share stream.
 *
 * Rules (both sides agree on m-line order, so these are deterministic):
 * - a track belongs to the share when the sender announced `sharing` with a
 *   `shareStreamId` (via `peer:update`) and the track's stream has that id;
 * - the camera stream is the first other audio track and the first other video track,
 *   in transceiver (m-line) order: the newcomer's first offer always puts its
 *   camera/mic m-lines first (see `mesh.ts`);
 * - a track whose transceiver no longer receives (stopped, or negotiated as
 *   `inactive`/`sendonly` from our side) or whose track ended is dropped.
 * A share track that arrives before the `peer:update` naming it is simply not shown
 * until the update lands; it is never mistaken for the camera because the camera's
 * m-lines come first.
 */

/** One received track and where it came from. */
export interface RemoteTrackEntry {
  track: MediaStreamTrack;
  transceiver: RTCRtpTransceiver;
  /** Ids of the sender's streams (msid); empty when the sender named none. */
  streamIds: string[];
}

/** The streams shown for one participant. `null` when there is nothing to show. */
export interface RemoteMedia {
  camera: MediaStream | null;
  share: MediaStream | null;
}

/** Creates a MediaStream from tracks (injectable: Node tests have no MediaStream). */
export type CreateMediaStream = (tracks: MediaStreamTrack[]) => MediaStream;

/** Keeps the received tracks of one peer and derives {@link RemoteMedia} from them. */
export class RemoteStreams {
  private readonly entries = new Map<string, RemoteTrackEntry>();
  private sharing = false;
  private shareStreamId: string | null = null;
  private media: RemoteMedia = { camera: null, share: null };

  constructor(private readonly createStream: CreateMediaStream) {}

  /** The current grouping. Stream objects stay the same while their tracks do. */
  get current(): RemoteMedia {
    return this.media;
  }

  /** Records a track from a `track` event. */
  add(entry: RemoteTrackEntry): void {
    this.entries.set(entry.track.id, entry);
  }

  /** Forgets a track (it ended or left its stream). */
  delete(trackId: string): void {
    this.entries.delete(trackId);
  }

  /** What the peer announced about its share (`peer:update`). */
  setShare(sharing: boolean, shareStreamId: string | null): void {
    this.sharing = sharing;
    this.shareStreamId = shareStreamId;
  }

  /**
   * Recomputes the grouping.
   * @param order - the connection's transceivers, in m-line order
   * @returns true when the camera or share stream changed (new object or null)
   */
  regroup(order: readonly RTCRtpTransceiver[]): boolean {
    const rank = (t: RTCRtpTransceiver) => {
      const i = order.indexOf(t);
      return i < 0 ? Number.MAX_SAFE_INTEGER : i;
    };
    const live = [...this.entries.values()]
      .filter((e) => e.track.readyState !== 'ended' && receives(e.transceiver))
      .sort((a, b) => rank(a.transceiver) - rank(b.transceiver));
    const shareId = this.sharing ? this.shareStreamId : null;
    const share = shareId ? live.filter((e) => e.streamIds.includes(shareId)) : [];
    const rest = live.filter((e) => !share.includes(e));
    const camera = (['audio', 'video'] as const)
      .map((kind) => rest.find((e) => e.track.kind === kind))
      .filter((e): e is RemoteTrackEntry => e !== undefined);
    // Anything else (an unannounced share, a stale m-line) is not shown: see the rules above.
    const next: RemoteMedia = {
      camera: this.reuse(this.media.camera, camera.map((e) => e.track)),
      share: this.reuse(this.media.share, share.map((e) => e.track)),
    };
    const changed = next.camera !== this.media.camera || next.share !== this.media.share;
    this.media = next;
    return changed;
  }

  /** Keeps the old stream object when its tracks are the same (no flicker in <video>). */
  private reuse(old: MediaStream | null, tracks: MediaStreamTrack[]): MediaStream | null {
    if (tracks.length === 0) return null;
    if (old) {
      const had = old.getTracks();
      if (had.length === tracks.length && tracks.every((t) => had.includes(t))) return old;
    }
    return this.createStream(tracks);
  }
}

/** Whether a transceiver still delivers media to us. Not yet negotiated counts as yes. */
function receives(t: RTCRtpTransceiver): boolean {
  // `direction` becomes 'stopped' at once on a local stop(); `currentDirection` after
  // the negotiation that stops it (or a remote offer with port 0).
  if (t.direction === 'stopped') return false;
  const d = t.currentDirection;
  return d === null || d === undefined || d === 'sendrecv' || d === 'recvonly';
}
