/**
 * The recording engine used by the UI: one recording at a time per page, screen or
 * meeting, stored chunk by chunk, finalized into a seekable file. Framework-free; the
 * `useRecording` composable mirrors its state into Vue refs.
 *
 * Track ownership: screen tracks are captured and stopped here; in a meeting
 * recording the participants' tracks belong to the call and are never stopped here,
 * only the compositor's own canvas and mixer tracks are.
 */
import { TypedEmitter } from '../lib/typed-emitter';
import { RecordingError } from './errors.js';
import { finalizeRecording } from './finalize.js';
import { pickRecordingFormat, type RecordingFormat } from './mime.js';
import { RecorderSession, type RecorderSessionOptions, type RecorderState } from './recorder.js';
import {
  holdRecordingLock,
  scanForRecovery,
  whenRecordingUnlocked,
  type LocksLike,
  type RecoverableRecording,
} from './recovery.js';
import type { RecordingKind, RecordingMeta, RecordingStore } from './types.js';
import type { CompositorTile } from './meeting-compositor.js';

/** A snapshot of the recording in progress, for display. */
export interface ActiveRecording {
  id: string;
  kind: RecordingKind;
  state: RecorderState | 'finalizing';
  elapsedMs: number;
  /** Bytes stored so far: every one of them is in the file even if the page dies now. */
  bytes: number;
  /** Chunks stored so far (same guarantee). */
  chunks: number;
  mimeType: string;
  /** Tab or system audio was asked for and the browser captured none: the file has no such sound. */
  systemAudioMissing: boolean;
}

/** Events of {@link RecordingManager}. */
export interface RecordingManagerEvents {
  /** Something visible changed (state, progress, list). */
  change: () => void;
  /** A recording failed or could not start; show it. */
  error: (error: RecordingError) => void;
  /** A recording was finalized and is in the list. */
  finished: (meta: RecordingMeta) => void;
  /**
   * An unfinished recording that another page held is free now (that page finished
   * it, or went away): look for recoverable recordings again.
   */
  unlocked: (id: string) => void;
}

/** Options of {@link RecordingManager}. */
export interface RecordingManagerOptions {
  store: RecordingStore;
  /** Web Locks, for crash detection across tabs. @default navigator.locks */
  locks?: LocksLike;
  /** @default MediaRecorder.isTypeSupported */
  isTypeSupported?: (type: string) => boolean;
  /** Chunk length in ms. @default 1000 */
  timesliceMs?: number;
  /** Creates each MediaRecorder (tests pass a fake). @default new MediaRecorder(...) */
  createRecorder?: RecorderSessionOptions['createRecorder'];
  /**
   * Runs after what is to be recorded has been captured and before anything is stored
   * or recorded; a rejection cancels the start with that error. The call uses it to
   * tell the room first (see `recording-notice.ts`).
   */
  beforeRecord?: (kind: RecordingKind) => Promise<void>;
}

interface Running {
  id: string;
  kind: RecordingKind;
  format: RecordingFormat;
  session: RecorderSession;
  release: () => void;
  cleanup: () => Promise<void>;
  finishing: Promise<RecordingMeta | null> | null;
  systemAudioMissing: boolean;
}

const newId = (): string => `rec-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Runs recordings and manages the stored ones. */
export class RecordingManager extends TypedEmitter<RecordingManagerEvents> {
  readonly store: RecordingStore;
  readonly #opts: RecordingManagerOptions;
  #running: Running | null = null;
  #finalizing = false;
  /** Ids whose lock we are waiting for (one wait each). */
  readonly #watching = new Set<string>();

  constructor(options: RecordingManagerOptions) {
    super();
    this.store = options.store;
    this.#opts = options;
  }

  /** The recording in progress, or null. */
  get active(): ActiveRecording | null {
    const r = this.#running;
    if (!r) return null;
    return {
      id: r.id,
      kind: r.kind,
      state: this.#finalizing ? 'finalizing' : r.session.state,
      elapsedMs: r.session.elapsedMs(),
      bytes: r.session.bytes,
      chunks: r.session.chunks,
      mimeType: r.format.mimeType,
      systemAudioMissing: r.systemAudioMissing,
    };
  }

  #locks(): LocksLike | undefined {
    return this.#opts.locks ?? (globalThis.navigator as { locks?: LocksLike } | undefined)?.locks;
  }

  /** Record the screen (picker shown by the browser). */
  async startScreen(options: { room: string | null; systemAudio?: boolean; microphone?: boolean }): Promise<void> {
    this.#assertIdle();
    const { captureScreen } = await import('./screen-capture.js');
    const capture = await captureScreen(options);
    // The user ending the capture (browser "Stop sharing" bar) ends the recording.
    const onEnded = (): void => void this.stop();
    capture.videoTrack.addEventListener('ended', onEnded);
    await this.record(
      'screen',
      options.room,
      capture.stream,
      async () => {
        capture.videoTrack.removeEventListener('ended', onEnded);
        await capture.dispose();
      },
      { systemAudioMissing: capture.systemAudioMissing },
    ).catch(async (err) => {
      capture.videoTrack.removeEventListener('ended', onEnded);
      await capture.dispose();
      throw err;
    });
  }

  /** Record the call: a canvas grid of everyone plus mixed audio, no picker. */
  async startMeeting(options: { room: string | null; getTiles: () => CompositorTile[]; width?: number; height?: number; fps?: number }): Promise<void> {
    this.#assertIdle();
    const { MeetingCompositor } = await import('./meeting-compositor.js');
    const compositor = new MeetingCompositor(options);
    compositor.start();
    await this.record('meeting', options.room, compositor.stream, () => compositor.stop(), {
      videoBitsPerSecond: 2_500_000,
      preferVp8: true,
    }).catch(async (err) => {
      await compositor.stop();
      throw err;
    });
  }

  #assertIdle(): void {
    if (this.#running) throw new RecordingError('ALREADY_RECORDING', 'A recording is already running');
  }

  /**
   * Record any stream (the screen and meeting starters end here). `cleanup` runs once
   * the recorder has stopped, before finalizing: release what was captured for it.
   */
  async record(
    kind: RecordingKind,
    room: string | null,
    stream: MediaStream,
    cleanup: () => Promise<void>,
    options: { videoBitsPerSecond?: number; preferVp8?: boolean; systemAudioMissing?: boolean } = {},
  ): Promise<void> {
    this.#assertIdle();
    const { videoBitsPerSecond, preferVp8 = false, systemAudioMissing = false } = options;
    const isSupported =
      this.#opts.isTypeSupported ??
      (typeof MediaRecorder !== 'undefined' ? (t: string) => MediaRecorder.isTypeSupported(t) : () => false);
    const format = pickRecordingFormat(isSupported, stream.getAudioTracks().length > 0, { preferVp8 });
    if (!format) throw new RecordingError('UNSUPPORTED', 'This browser cannot record video');
    // Nothing may be recorded before the others in the call have been told.
    await this.#opts.beforeRecord?.(kind);
    this.#assertIdle();
    const id = newId();
    const meta: RecordingMeta = {
      id,
      kind,
      room,
      startedAt: Date.now(),
      mimeType: format.mimeType,
      state: 'recording',
      bytes: 0,
      durationMs: null,
      seekable: false,
    };
    // Lock first: from the moment the entry exists, other tabs must see it as live.
    const release = await holdRecordingLock(this.#locks(), id);
    let writer;
    try {
      writer = await this.store.create(meta);
    } catch (err) {
      release();
      throw RecordingError.fromStorage(err);
    }
    const session = new RecorderSession({
      stream,
      mimeType: format.mimeType,
      writer,
      timesliceMs: this.#opts.timesliceMs ?? 1000,
      ...(videoBitsPerSecond ? { videoBitsPerSecond } : {}),
      ...(this.#opts.createRecorder ? { createRecorder: this.#opts.createRecorder } : {}),
    });
    const running: Running = { id, kind, format, session, release, cleanup, finishing: null, systemAudioMissing };
    session.on('state', (state) => {
      // The browser may stop the recorder by itself (every track ended): finish then too.
      if ((state === 'stopped' || state === 'failed') && this.#running === running) void this.stop();
      this.emit('change');
    });
    session.on('progress', () => this.emit('change'));
    session.on('error', (err) => {
      this.emit('error', err);
      void this.stop();
    });
    try {
      session.start();
    } catch (err) {
      release();
      await writer.close?.().catch(() => undefined); // a worker writer holds the chunk file open
      await this.store.remove(id).catch(() => undefined);
      throw err;
    }
    this.#running = running;
    this.emit('change');
  }

  /** Pause the recording in progress. */
  pause(): void {
    this.#running?.session.pause();
  }

  /** Resume a paused recording. */
  resume(): void {
    this.#running?.session.resume();
  }

  /**
   * Stop and finalize. Resolves with the finished recording (null when nothing was
   * recorded). Concurrent calls (Stop button and track `ended`) share one run.
   */
  stop(): Promise<RecordingMeta | null> {
    const r = this.#running;
    if (!r) return Promise.resolve(null);
    r.finishing ??= this.#finish(r);
    return r.finishing;
  }

  async #finish(r: Running): Promise<RecordingMeta | null> {
    const elapsed = r.session.elapsedMs();
    await r.session.stop();
    await r.cleanup().catch((err) => console.warn('[recording] cleanup failed', err));
    this.#finalizing = true;
    this.emit('change');
    try {
      const meta = await finalizeRecording(this.store, r.id, { fallbackDurationMs: elapsed });
      this.emit('finished', meta);
      return meta;
    } catch (err) {
      const error = err instanceof RecordingError ? err : new RecordingError('FINALIZE_FAILED', String(err), { cause: err });
      this.emit('error', error);
      return null;
    } finally {
      r.release();
      this.#finalizing = false;
      this.#running = null;
      this.emit('change');
    }
  }

  /** Stored recordings, newest first. */
  list(): Promise<RecordingMeta[]> {
    return this.store.list();
  }

  /**
   * Recordings interrupted by a crash or reload: usable ones to offer for recovery,
   * unusable ones to report. Unfinished recordings locked by another page are
   * watched: `unlocked` fires when that page lets go, so a page that is still going
   * away while we look does not hide its recording until the next reload.
   */
  async findRecoverable(): Promise<RecoverableRecording[]> {
    const own = new Set(this.#running ? [this.#running.id] : []);
    const locks = this.#locks();
    const scan = await scanForRecovery(this.store, locks, own);
    for (const id of scan.locked) {
      if (this.#watching.has(id)) continue;
      this.#watching.add(id);
      void whenRecordingUnlocked(locks, id)
        .catch(() => undefined)
        .then(() => {
          this.#watching.delete(id);
          this.emit('unlocked', id);
        });
    }
    return scan.interrupted;
  }

  /**
   * Finalize an abandoned recording from what was written. Under the recording's
   * lock, so a page still going away has finished its last write, and two pages
   * recovering at once finalize it once.
   *
   * @throws RecordingError `NOTHING_SAVED` when nothing playable was saved (entry removed).
   */
  async recover(id: string): Promise<RecordingMeta> {
    const release = await holdRecordingLock(this.#locks(), id);
    try {
      const current = await this.store.get(id);
      if (!current) throw new RecordingError('NOTHING_SAVED', `Recording ${id} is gone`);
      // Another page recovered it while we waited for the lock.
      if (current.state === 'done') return current;
      const meta = await finalizeRecording(this.store, id);
      this.emit('finished', meta);
      return meta;
    } finally {
      release();
      this.emit('change');
    }
  }

  /** The finished file of a recording. */
  file(id: string): Promise<Blob | null> {
    return this.store.readFinal(id);
  }

  /** Delete a recording (refused for the one in progress). */
  async remove(id: string): Promise<void> {
    if (this.#running?.id === id) throw new RecordingError('ALREADY_RECORDING', 'Stop the recording before deleting it');
    await this.store.remove(id);
    this.emit('change');
  }
}
