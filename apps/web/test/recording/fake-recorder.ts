/**
 * A MediaRecorder stand-in for the recording engine's unit tests. It follows the spec's
 * event order: `stop()` queues a final `dataavailable` (its text is `finalChunk`), then
 * `stop`; `pause()`/`resume()` fire their events on a later task.
 */
import type { MediaRecorderLike } from '../../src/recording/recorder';

/** Options of {@link FakeRecorder}. */
export interface FakeRecorderOptions {
  /** Text of the chunk `stop()` delivers. @default 'LAST' */
  finalChunk?: string;
  /** Bytes of a chunk named `text` (e.g. slices of a real WebM). @default UTF-8 of the text */
  bytesOf?: (text: string) => Uint8Array<ArrayBuffer>;
}

/** See the file comment. */
export class FakeRecorder extends EventTarget implements MediaRecorderLike {
  state: 'inactive' | 'recording' | 'paused' = 'inactive';
  /** The timeslice `start()` was called with. */
  timeslice = 0;
  private readonly finalChunk: string;
  private readonly bytesOf: (text: string) => Uint8Array<ArrayBuffer>;

  constructor(options: FakeRecorderOptions = {}) {
    super();
    this.finalChunk = options.finalChunk ?? 'LAST';
    this.bytesOf = options.bytesOf ?? ((text) => new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>);
  }

  start(timeslice?: number): void {
    this.timeslice = timeslice ?? 0;
    this.state = 'recording';
  }

  /** Delivers one `dataavailable` chunk. */
  chunk(text: string): void {
    const ev = new Event('dataavailable') as Event & { data: Blob };
    ev.data = new Blob([this.bytesOf(text)]);
    this.dispatchEvent(ev);
  }

  stop(): void {
    if (this.state === 'inactive') throw new DOMException('inactive', 'InvalidStateError');
    this.state = 'inactive';
    setTimeout(() => {
      this.chunk(this.finalChunk);
      this.dispatchEvent(new Event('stop'));
    }, 0);
  }

  pause(): void {
    this.state = 'paused';
    setTimeout(() => this.dispatchEvent(new Event('pause')), 0);
  }

  resume(): void {
    this.state = 'recording';
    setTimeout(() => this.dispatchEvent(new Event('resume')), 0);
  }
}
