/**
 * Messages between the bench (parent) and its load-generator processes
 * (`worker.ts`, forked with IPC). Each command carries a `seq`; the worker answers
 * with the same `seq`. Every room lives wholly inside one worker, so a relay's
 * sender and receiver share one clock and latency is a plain difference of
 * `performance.now()` readings.
 */

/** A room given to a worker: its name and, per member, which server node it connects to. */
export interface RoomPlan {
  name: string;
  /** One entry per member: index into `urls` of the node that member uses. */
  nodes: number[];
}

/** Connects sockets for new rooms (added to those the worker already holds). */
export interface ConnectCmd {
  cmd: 'connect';
  urls: string[];
  rooms: RoomPlan[];
  /** Handshakes in flight at once. */
  concurrency: number;
}

/** Sends `room:join` for every connected member that has not joined yet. */
export interface JoinCmd {
  cmd: 'join';
  /** Joins per second this worker offers; 0 = as fast as `maxInFlight` allows. */
  ratePerSec: number;
  maxInFlight: number;
}

/** Offers `signal` relays at a fixed rate between room-mates. */
export interface RelayCmd {
  cmd: 'relay';
  ratePerSec: number;
  durationMs: number;
  /** How long to wait after the last send for stragglers before counting losses. */
  drainMs: number;
  /** Bytes of filler in each signal's data (an ICE candidate is ~150, an SDP 2–6 KB). */
  payloadBytes: number;
}

/** Closes every socket the worker holds. */
export interface CloseCmd {
  cmd: 'close';
}

/** Any command. */
export type WorkerCmd = (ConnectCmd | JoinCmd | RelayCmd | CloseCmd) & { seq: number };

/** Answer to {@link ConnectCmd}. */
export interface ConnectReply {
  connected: number;
  failed: number;
  /** Error message → count. */
  errors: Record<string, number>;
  ms: number;
}

/** Answer to {@link JoinCmd}. */
export interface JoinReply {
  attempted: number;
  ok: number;
  /** Error code → count. */
  errors: Record<string, number>;
  /** Ack latency of every join, ms (errors included). */
  latencies: Float64Array;
  /** From the first send to the last ack, ms. */
  durationMs: number;
  /** Room name → ids the server assigned to the members that joined it. */
  members: Record<string, string[]>;
}

/** Answer to {@link RelayCmd}. */
export interface RelayReply {
  /** Sends the schedule called for. */
  planned: number;
  sent: number;
  /** Distinct relays that reached their target (any time before the drain ended). */
  received: number;
  /** Relays received by a socket other than the target (must stay 0). */
  misrouted: number;
  /** Relays received a second time (must stay 0). */
  duplicates: number;
  ackOk: number;
  /** Relays acked `ok` that never reached their target before the drain ended (must stay 0). */
  ackedOkLost: number;
  /** Relays answered with an error ack that reached their target anyway (must stay 0). */
  refusedDelivered: number;
  /** Error code → count, from acks. */
  ackErrors: Record<string, number>;
  /** Send → receipt at the target, ms, one per received relay. */
  latencies: Float64Array;
  /** Send → ack, ms. */
  ackLatencies: Float64Array;
  /** From the first send to the last send, ms. */
  sendMs: number;
  /** Generator CPU used while sending (the drain excluded), ms. */
  cpuMs: number;
  /**
   * Turns of the send timer (every ~1 ms) that sent at least one relay: the frames of one
   * turn leave together, so the server may take them in one wake-up.
   */
  sendBatches: number;
  /**
   * Longest delay of this worker's own event loop while sending, ms: a receipt is timed
   * when the worker gets to it, so a stalled generator shows up as relay latency.
   */
  loopDelayMaxMs: number;
}

/** Answer to {@link CloseCmd}. */
export interface CloseReply {
  closed: number;
}

/** What a worker sends back. */
export type WorkerReply =
  | { seq: number; ok: true; data: ConnectReply | JoinReply | RelayReply | CloseReply }
  | { seq: number; ok: false; error: string };
