/**
 * Mixes any number of audio tracks into one track with WebAudio.
 *
 * The output track (`destination.stream`'s track) never changes, so a MediaRecorder
 * fed with it keeps recording while inputs come and go: a participant joining,
 * leaving, muting or switching microphone only changes the set of source nodes.
 * Sources are keyed by track id because a MediaStreamAudioSourceNode is bound to the
 * track it was created with (Web Audio spec: "the first audio track, in id order");
 * when a stream gets a new track, the old node is disconnected and a new one added.
 */

/** The parts of AudioContext used here, so tests can pass a fake. */
export interface AudioContextLike {
  readonly state: string;
  createMediaStreamSource(stream: MediaStream): AudioNode;
  createMediaStreamDestination(): MediaStreamAudioDestinationNode;
  resume(): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link AudioMixer}. */
export interface AudioMixerOptions {
  /** Creates the context; defaults to `new AudioContext()`. */
  createContext?: () => AudioContextLike;
  /** Wraps one track in a stream; defaults to `new MediaStream([track])`. */
  wrapTrack?: (track: MediaStreamTrack) => MediaStream;
}

/** A WebAudio mixer with a stable output track. */
export class AudioMixer {
  readonly #ctx: AudioContextLike;
  readonly #dest: MediaStreamAudioDestinationNode;
  readonly #sources = new Map<string, AudioNode>();
  readonly #wrap: (track: MediaStreamTrack) => MediaStream;
  #closed = false;

  constructor(options: AudioMixerOptions = {}) {
    this.#ctx = options.createContext?.() ?? (new AudioContext() as AudioContextLike);
    this.#dest = this.#ctx.createMediaStreamDestination();
    this.#wrap = options.wrapTrack ?? ((t) => new MediaStream([t]));
    // Created from a click handler this is already running; if the browser still
    // suspended it (autoplay policy), a later sync() retries.
    void this.#ctx.resume().catch(() => undefined);
  }

  /** The mixed output track (always the same object). */
  get track(): MediaStreamTrack {
    const track = this.#dest.stream.getAudioTracks()[0];
    if (!track) throw new Error('MediaStreamAudioDestinationNode has no track');
    return track;
  }

  /** Ids of the tracks currently mixed (for tests and diagnostics). */
  get inputs(): string[] {
    return [...this.#sources.keys()];
  }

  /**
   * Make the mix equal to `tracks`: add new live tracks, drop tracks that are gone or
   * ended. Cheap when nothing changed, so it can run on every video frame.
   */
  sync(tracks: Iterable<MediaStreamTrack>): void {
    if (this.#closed) return;
    if (this.#ctx.state === 'suspended') void this.#ctx.resume().catch(() => undefined);
    const wanted = new Map<string, MediaStreamTrack>();
    for (const t of tracks) if (t.kind === 'audio' && t.readyState === 'live') wanted.set(t.id, t);
    for (const [id, node] of this.#sources) {
      if (!wanted.has(id)) {
        node.disconnect();
        this.#sources.delete(id);
      }
    }
    for (const [id, track] of wanted) {
      if (this.#sources.has(id)) continue;
      try {
        const node = this.#ctx.createMediaStreamSource(this.#wrap(track));
        node.connect(this.#dest);
        this.#sources.set(id, node);
      } catch (err) {
        // One bad input (e.g. a track that ended in between) must not break the mix.
        console.warn('[recording] could not mix audio track', id, err);
      }
    }
  }

  /** Disconnect everything and close the context. Does not stop input tracks. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const node of this.#sources.values()) node.disconnect();
    this.#sources.clear();
    this.track.stop();
    await this.#ctx.close().catch(() => undefined);
  }
}
