/**
 * One MediaRecorder run, from start to the last byte stored.
 *
 * Invariants:
 * - every chunk goes to the {@link ChunkWriter} as it arrives, through one promise
 *   chain, so chunks are stored in order and never pile up in memory;
 * - `stop()` resolves only after the recorder's final `dataavailable`, its `stop`
 *   event, the write of every chunk (otherwise the last chunk is lost on stop) and the
 *   writer's `close()`;
 * - this class never stops the stream's tracks: whoever captured them does.
 */
import { TypedEmitter } from '../lib/typed-emitter';
import { RecordingError } from './errors.js';
import type { ChunkWriter } from './types.js';

/** Lifecycle of a {@link RecorderSession}. */
export type RecorderState = 'idle' | 'recording' | 'paused' | 'stopping' | 'stopped' | 'failed';

/** Events of a {@link RecorderSession}. */
export interface RecorderEvents {
  /** The state changed. */
  state: (state: RecorderState) => void;
  /** A chunk was stored; `bytes` is the running total. */
  progress: (progress: { bytes: number; chunks: number }) => void;
  /** Recording failed (encoder error or storage failure); the session is stopping. */
  error: (error: RecordingError) => void;
}

/** The part of MediaRecorder used here, so tests can pass a fake. */
export interface MediaRecorderLike extends EventTarget {
  readonly state: 'inactive' | 'recording' | 'paused';
  start(timeslice?: number): void;
  stop(): void;
  pause(): void;
  resume(): void;
  requestData?(): void;
}

/** Options of {@link RecorderSession}. */
export interface RecorderSessionOptions {
  stream: MediaStream;
  mimeType: string;
  writer: ChunkWriter;
  /** Chunk length; 1 s bounds what a crash can lose. @default 1000 */
  timesliceMs?: number;
  /** Video bitrate hint. */
  videoBitsPerSecond?: number;
  /** Audio bitrate hint. @default 128000 */
  audioBitsPerSecond?: number;
  /** Creates the recorder; defaults to `new MediaRecorder(...)`. */
  createRecorder?: (stream: MediaStream, options: MediaRecorderOptions) => MediaRecorderLike;
  /** Clock; defaults to `performance.now()`. */
  now?: () => number;
}

/** Records a stream into a chunk writer. */
export class RecorderSession extends TypedEmitter<RecorderEvents> {
  #state: RecorderState = 'idle';
  readonly #opts: RecorderSessionOptions;
  #recorder: MediaRecorderLike | null = null;
  #writes: Promise<void> = Promise.resolve();
  #failure: RecordingError | null = null;
  #stopped: Promise<void> | null = null;
  #resolveStopped: () => void = () => undefined;
  // Elapsed time excludes pauses: `#activeMs` plus the current run since `#runStart`.
  #activeMs = 0;
  #runStart: number | null = null;

  constructor(options: RecorderSessionOptions) {
    super();
    this.#opts = options;
  }

  /** Current state. */
  get state(): RecorderState {
    return this.#state;
  }

  /** Bytes stored so far. */
  get bytes(): number {
    return this.#opts.writer.bytes;
  }

  /** Chunks stored so far. */
  get chunks(): number {
    return this.#opts.writer.chunks;
  }

  /** The error that ended the session, if any. */
  get failure(): RecordingError | null {
    return this.#failure;
  }

  /** Recorded time in ms, pauses excluded. */
  elapsedMs(): number {
    const now = this.#opts.now ?? (() => performance.now());
    return this.#activeMs + (this.#runStart === null ? 0 : now() - this.#runStart);
  }

  #setState(state: RecorderState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }

  #mark(running: boolean): void {
    const now = (this.#opts.now ?? (() => performance.now()))();
    if (running && this.#runStart === null) this.#runStart = now;
    if (!running && this.#runStart !== null) {
      this.#activeMs += now - this.#runStart;
      this.#runStart = null;
    }
  }

  /** Start recording. Throws `RECORDER_FAILED` when the browser refuses. */
  start(): void {
    if (this.#state !== 'idle') throw new RecordingError('ALREADY_RECORDING', 'This session already started');
    const { stream, mimeType, timesliceMs = 1000 } = this.#opts;
    const options: MediaRecorderOptions = { mimeType, audioBitsPerSecond: this.#opts.audioBitsPerSecond ?? 128_000 };
    if (this.#opts.videoBitsPerSecond) options.videoBitsPerSecond = this.#opts.videoBitsPerSecond;
    const create =
      this.#opts.createRecorder ?? ((s: MediaStream, o: MediaRecorderOptions) => new MediaRecorder(s, o) as MediaRecorderLike);
    try {
      this.#recorder = create(stream, options);
    } catch (err) {
      throw new RecordingError('UNSUPPORTED', `This browser cannot record ${mimeType}`, { cause: err });
    }
    this.#stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
    const rec = this.#recorder;
    rec.addEventListener('dataavailable', (ev) => this.#onData((ev as BlobEvent).data));
    rec.addEventListener('error', (ev) => {
      const cause = (ev as Event & { error?: unknown }).error ?? ev;
      this.#fail(new RecordingError('RECORDER_FAILED', 'The browser stopped the recorder', { cause }));
    });
    rec.addEventListener('stop', () => void this.#onStop());
    rec.addEventListener('pause', () => {
      this.#mark(false);
      this.#setState('paused');
    });
    rec.addEventListener('resume', () => {
      this.#mark(true);
      this.#setState('recording');
    });
    try {
      rec.start(timesliceMs);
    } catch (err) {
      throw new RecordingError('RECORDER_FAILED', 'The recorder could not start', { cause: err });
    }
    this.#mark(true);
    this.#setState('recording');
  }

  #onData(blob: Blob | undefined): void {
    if (!blob || blob.size === 0) return;
    this.#writes = this.#writes.then(async () => {
      if (this.#failure) return; // Storage already failed: drop, we are stopping.
      try {
        await this.#opts.writer.append(blob);
        this.emit('progress', { bytes: this.#opts.writer.bytes, chunks: this.#opts.writer.chunks });
      } catch (err) {
        this.#fail(RecordingError.fromStorage(err));
      }
    });
  }

  #fail(error: RecordingError): void {
    if (this.#failure) return;
    this.#failure = error;
    this.emit('error', error);
    if (this.#recorder && this.#recorder.state !== 'inactive') {
      try {
        this.#recorder.stop();
      } catch {
        // Already stopping.
      }
    } else if (this.#state !== 'stopped') {
      void this.#onStop();
    }
  }

  async #onStop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'failed') return;
    this.#mark(false);
    this.#setState('stopping');
    // `stop` fires after the final `dataavailable` (MediaRecorder spec, stop()
    // algorithm), so by now every chunk is queued; wait until they are written.
    await this.#writes;
    await this.#opts.writer.close?.().catch((err) => console.warn('[recording] closing the chunk writer failed', err));
    this.#setState(this.#failure ? 'failed' : 'stopped');
    this.#resolveStopped();
  }

  /** Pause (no data is produced while paused). */
  pause(): void {
    if (this.#recorder?.state === 'recording') this.#recorder.pause();
  }

  /** Resume after {@link pause}. */
  resume(): void {
    if (this.#recorder?.state === 'paused') this.#recorder.resume();
  }

  /**
   * Stop and wait for every byte to be stored. Safe to call more than once and from
   * a track's `ended` handler.
   */
  async stop(): Promise<void> {
    if (!this.#recorder || !this.#stopped) return;
    if (this.#recorder.state !== 'inactive') {
      this.#setState('stopping');
      try {
        this.#recorder.stop();
      } catch (err) {
        this.#fail(new RecordingError('RECORDER_FAILED', 'The recorder could not stop', { cause: err }));
      }
    }
    await this.#stopped;
  }
}
