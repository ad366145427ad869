/** What this side sends: camera/mic tracks (either may be null) and an optional share. */
export interface LocalMedia {
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
  /** Stream named in the SDP for camera + mic, so the receiver keeps them in lip sync. */
  stream: MediaStream | null;
  /** The screen share, sent on its own transceivers in its own stream. */
  share: MediaStream | null;
  /**
   * The microphone is muted: its transceiver stays set up to send (so unmuting needs no
   * renegotiation) but carries no track, so no connection encodes or sends audio while
   * the user is muted. In a mesh each connection runs its own Opus encoder on the
   * microphone, even on a disabled track's silence.
   */
  micMuted?: boolean;
}

/** Camera-and-microphone track kinds. */
export type CameraKind = 'audio' | 'video';

/** What {@link LocalSenders} needs from its connection. */
export interface LocalSendersHooks {
  /** Whether the connection was closed (transceivers of a closed connection are left alone). */
  closed(): boolean;
  /** Reports a failure that does not stop the connection. */
  error(error: unknown): void;
}

/**
 * Which transceivers of one connection carry our media, and what they send.
 *
 * Camera and microphone each have one transceiver for the connection's life. The
 * initiator (newcomer) creates both at once — `sendrecv` with its tracks, `recvonly`
 * when it has none, so receive-only joiners still get media. The responder creates none:
 * it takes the first audio and video transceivers of the first offer. Switching or
 * muting is a `replaceTrack` (no renegotiation); only going from "never sent" to
 * sending flips the direction, which renegotiates once. A muted microphone still counts
 * as sent: its transceiver is `sendrecv` with no track on it.
 *
 * The share has transceivers of its own (`sendonly`, in its own stream). Stopping it
 * stops them: their m-lines get port 0 and may be reused later.
 *
 * This class never stops a local track: the caller owns them.
 */
export class LocalSenders {
  private local: LocalMedia;
  private readonly camera: Record<CameraKind, RTCRtpTransceiver | null> = { audio: null, video: null };
  private readonly shareTransceivers = new Set<RTCRtpTransceiver>();

  constructor(
    private readonly pc: RTCPeerConnection,
    local: LocalMedia,
    private readonly hooks: LocalSendersHooks,
  ) {
    this.local = { ...local };
  }

  /** Initiator only: creates the camera and microphone transceivers, and the share's if any. */
  createAll(): void {
    for (const kind of ['audio', 'video'] as const) {
      const track = this.local[kind];
      this.camera[kind] = this.pc.addTransceiver(this.sending(kind) ?? kind, {
        direction: track ? 'sendrecv' : 'recvonly',
        streams: track && this.local.stream ? [this.local.stream] : [],
      });
    }
    this.sendShare();
  }

  /** Responder only: uses the offer's first audio/video transceivers for camera and mic. */
  adoptOffered(): void {
    const transceivers = this.pc.getTransceivers();
    for (const kind of ['audio', 'video'] as const) {
      if (this.camera[kind]) continue;
      const t = transceivers.find(
        (x) => x.receiver.track.kind === kind && x.direction !== 'stopped' && !this.shareTransceivers.has(x),
      );
      if (!t) continue;
      this.camera[kind] = t;
      void this.apply(kind);
    }
  }

  /** Replaces the camera or microphone track (null = send nothing). */
  async setTrack(kind: CameraKind, track: MediaStreamTrack | null, stream: MediaStream | null): Promise<void> {
    this.local = { ...this.local, [kind]: track, stream };
    await this.apply(kind);
  }

  /** Mutes or unmutes the microphone (see {@link LocalMedia.micMuted}); never renegotiates a held microphone. */
  async setMicMuted(muted: boolean): Promise<void> {
    this.local = { ...this.local, micMuted: muted };
    await this.apply('audio');
  }

  /** The track the transceiver of `kind` carries now: the local one, unless it is a muted microphone. */
  private sending(kind: CameraKind): MediaStreamTrack | null {
    return kind === 'audio' && this.local.micMuted ? null : this.local[kind];
  }

  /**
   * Records the share to send. With `live` false (before the responder's first answer,
   * or after close) it is only remembered, for {@link sendShare} later; with `live` true
   * a changed share replaces the old one's transceivers at once (renegotiates).
   */
  setShare(stream: MediaStream | null, live: boolean): void {
    const old = this.local.share;
    this.local = { ...this.local, share: stream };
    if (!live || old === stream) return;
    if (old) this.stopShare();
    if (stream) this.addShare(stream);
  }

  /** Adds transceivers for the remembered share, if there is one. */
  sendShare(): void {
    if (this.local.share) this.addShare(this.local.share);
  }

  /** Puts the current local track on the camera transceiver of `kind`. */
  private async apply(kind: CameraKind): Promise<void> {
    const t = this.camera[kind];
    if (!t || this.hooks.closed() || t.direction === 'stopped') return;
    const track = this.local[kind];
    if (track && (t.direction === 'recvonly' || t.direction === 'inactive')) {
      t.direction = t.direction === 'recvonly' ? 'sendrecv' : 'sendonly';
      if (this.local.stream) t.sender.setStreams?.(this.local.stream);
    }
    const sending = this.sending(kind);
    try {
      if (t.sender.track !== sending) await t.sender.replaceTrack(sending);
    } catch (error) {
      this.hooks.error(error);
    }
  }

  private addShare(stream: MediaStream): void {
    for (const track of stream.getTracks()) {
      const t = this.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      this.shareTransceivers.add(t);
    }
  }

  private stopShare(): void {
    for (const t of this.shareTransceivers) {
      try {
        t.stop();
      } catch (error) {
        this.hooks.error(error);
      }
    }
    this.shareTransceivers.clear();
  }
}
