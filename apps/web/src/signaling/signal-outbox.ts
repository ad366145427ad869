import type { PeerNotice, PeerSignal } from '@meshmeet/protocol';
import { SignalingError, toSignalingError } from './signaling-error';

interface Queued {
  to: string;
  data: PeerSignal | PeerNotice;
  resolve: () => void;
  reject: (error: SignalingError) => void;
}

/**
 * Signals (SDP, ICE) written while the connection is down. After a resume they are
 * sent in order — peers kept our id, so they still want them; after a fresh rejoin they
 * are dropped (the mesh starts over). Bounded: the oldest go first when it overflows.
 */
export class SignalOutbox {
  private queue: Queued[] = [];

  constructor(private readonly max: number) {}

  /** Number of queued signals. */
  get size(): number {
    return this.queue.length;
  }

  /** Queues a signal; the promise settles when it is finally sent or dropped. */
  push(to: string, data: PeerSignal | PeerNotice): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ to, data, resolve, reject });
      while (this.queue.length > this.max) {
        this.queue.shift()?.reject(new SignalingError('RATE_LIMITED', 'Too many signals queued while reconnecting'));
      }
    });
  }

  /** Sends everything queued, in order, through `send`. */
  flush(send: (to: string, data: PeerSignal | PeerNotice) => Promise<void>): void {
    for (const q of this.queue.splice(0)) {
      send(q.to, q.data).then(q.resolve, (e: unknown) => q.reject(toSignalingError(e)));
    }
  }

  /** Drops everything queued with `error`. */
  rejectAll(error: SignalingError): void {
    for (const q of this.queue.splice(0)) q.reject(error);
  }
}
