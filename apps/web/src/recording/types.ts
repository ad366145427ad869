/**
 * Shapes shared by the recording modules: what is persisted next to each
 * recording's chunks, and the store interface (OPFS or memory) they are written to.
 */

/** What was recorded. */
export type RecordingKind = 'screen' | 'meeting';

/**
 * Persisted lifecycle of a recording.
 * - `recording`: chunks are being appended (or the tab died while they were);
 * - `finalizing`: the chunks are complete and the seekable file is being written;
 * - `done`: the seekable file exists and chunks are gone;
 * - `failed`: finalizing failed; the raw chunks are kept so the user can still download them.
 */
export type PersistedState = 'recording' | 'finalizing' | 'done' | 'failed';

/** The small JSON file stored beside each recording. */
export interface RecordingMeta {
  /** Unique id, also the OPFS directory name. */
  id: string;
  kind: RecordingKind;
  /** Room the recording was made in; null for a screen recording outside a call. */
  room: string | null;
  /** Epoch ms when recording started. */
  startedAt: number;
  /** MIME type given to MediaRecorder. */
  mimeType: string;
  state: PersistedState;
  /** Bytes of the finished file (or of the chunks while recording). */
  bytes: number;
  /** Duration of the finished file in ms, when known. */
  durationMs: number | null;
  /** Whether the file has a duration and cues (seekable). */
  seekable: boolean;
  /** Why finalizing failed, for the panel. */
  error?: string;
}

/** Appends chunks of one recording. Each `append` is durable once it resolves. */
export interface ChunkWriter {
  /** Append the next MediaRecorder chunk. Resolves when it is safely stored. */
  append(chunk: Blob): Promise<void>;
  /** Bytes appended so far. */
  readonly bytes: number;
  /** Chunks appended so far. */
  readonly chunks: number;
  /**
   * Release the storage once the last `append` settled (a worker writer holds its file
   * open while recording). Reading the recording back waits for this.
   */
  close?(): Promise<void>;
}

/**
 * Where recordings live. The OPFS implementation keeps memory flat; the memory one
 * is the fallback where OPFS is missing (and is lost on reload).
 */
export interface RecordingStore {
  /** True when recordings survive a reload or crash (OPFS). */
  readonly persistent: boolean;
  /** Create a recording entry and return the writer for its chunks. */
  create(meta: RecordingMeta): Promise<ChunkWriter>;
  /** All recordings, newest first. Entries with unreadable metadata are skipped. */
  list(): Promise<RecordingMeta[]>;
  /** One recording's metadata, or null. */
  get(id: string): Promise<RecordingMeta | null>;
  /** Merge `patch` into the metadata and persist it. */
  updateMeta(id: string, patch: Partial<Omit<RecordingMeta, 'id'>>): Promise<RecordingMeta>;
  /** The raw chunks as one Blob (disk-backed with OPFS: reading it does not load it all). */
  readChunks(id: string): Promise<Blob>;
  /** Write the finished file from parts, streaming Blob parts rather than loading them. */
  writeFinal(id: string, parts: ReadonlyArray<Blob | ArrayBuffer | Uint8Array>): Promise<number>;
  /** The finished file, or null when there is none yet. */
  readFinal(id: string): Promise<Blob | null>;
  /** Delete the raw chunks (after a successful finalize). */
  dropChunks(id: string): Promise<void>;
  /** Delete everything of a recording. */
  remove(id: string): Promise<void>;
}
