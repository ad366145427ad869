import type { FastifyBaseLogger } from 'fastify';
import { ErrorCode, Limits, type SignalSend } from '@meshmeet/protocol';
import { AppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { MembershipView } from './membership-view.js';
import type { MemberConnection } from './room-notifier.js';
import type { RoomStore } from './room-store.js';

/** What a `signal` carries to its target: the server-set sender and the opaque data. */
export interface SignalPayload {
  from: string;
  data: Record<string, unknown>;
}

/**
 * Delivers an event to one socket on another node and says how many nodes took it:
 * 0 means nobody holds that socket any more (or this node cannot reach the others).
 */
export interface RemoteDelivery {
  toSocket(socketId: string, payload: SignalPayload): Promise<number>;
}

/**
 * Delivery to the connections this node holds. Defined here and implemented by the
 * signaling layer, so the relay logic does not depend on socket.io.
 */
export interface LocalDelivery {
  /**
   * Hands `payload` to the connection `socketId` as a `signal` if this node holds it and
   * it is open and bound to member `to` of `room`. `'absent'`: not a connection of this
   * node; `'stale'`: held here but closed or bound otherwise (nothing sent).
   */
  toMember(socketId: string, room: string, to: string, payload: SignalPayload): 'delivered' | 'absent' | 'stale';
}

/** The node-wide limits of work a relay may leave pending. */
export interface RelayLimits {
  /** Relays waiting on the store or on Redis right now; above `maxInFlight` new ones are refused. */
  inFlight: number;
  maxInFlight: number;
  /** True while the event loop is too far behind: new relays are refused until it catches up. */
  overloaded(): boolean;
}

/** Dependencies of {@link RelayService}. */
export interface RelayServiceOptions {
  store: RoomStore;
  /** Same-node delivery (implemented by the signaling layer). */
  local: LocalDelivery;
  view: MembershipView;
  metrics: Metrics;
  log: FastifyBaseLogger;
  /** Cross-node delivery; null on a single node without Redis. */
  remote: RemoteDelivery | null;
  limits: RelayLimits;
}

/** Deepest nesting allowed in `signal.data`; SDP and ICE messages need 3 levels. */
const MAX_SIGNAL_DEPTH = 32;

/** Whether a JSON value nests deeper than `limit` levels (recursion is bounded by `limit`). */
function deeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  if (Array.isArray(value)) {
    for (const v of value) if (deeperThan(v, limit - 1)) return true;
    return false;
  }
  for (const key in value) if (deeperThan((value as Record<string, unknown>)[key], limit - 1)) return true;
  return false;
}

/** UTF-8 size of a value as JSON, or Infinity when it cannot be serialized. */
export function jsonBytes(data: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(data) ?? '', 'utf8');
  } catch {
    return Infinity;
  }
}

/** Result of a relay: nothing to report, or a promise of it when the relay had to wait. */
export type RelayOutcome = void | Promise<void>;

/**
 * `signal`: one peer to another in the same room, with `from` set from the sender's
 * binding. Kept off the store on the hot path: the target is found in this node's
 * {@link MembershipView}; only a member the view does not know costs a store lookup.
 *
 * A relay is acknowledged only once it was handed to the target's socket (same node) or
 * a node holding that socket took it (another node, counted by Redis); otherwise the
 * sender hears `PEER_UNAVAILABLE`. Past the node's limits it hears `UNAVAILABLE` at once.
 */
export class RelayService {
  constructor(private readonly o: RelayServiceOptions) {}

  /**
   * Relays `msg` from `socket`. `wireBytes` is the size of the frame it came in (from the
   * decoder), so the size check needs no second serialization. Throws {@link AppError}.
   */
  relay(socket: MemberConnection, msg: SignalSend, wireBytes: number): RelayOutcome {
    const b = socket.data.binding;
    if (!b) throw AppError.notInRoom();
    if (msg.to === b.id) throw AppError.invalid('to: cannot signal yourself');
    if (deeperThan(msg.data, MAX_SIGNAL_DEPTH)) throw AppError.invalid(`data: nested deeper than ${MAX_SIGNAL_DEPTH} levels`);
    // The data is part of the frame: a frame within the limit needs no second serialization.
    if (wireBytes > Limits.signalDataMaxBytes && jsonBytes(msg.data) > Limits.signalDataMaxBytes) {
      throw new AppError(ErrorCode.PAYLOAD_TOO_LARGE, `signal data must be at most ${Limits.signalDataMaxBytes} bytes of JSON`);
    }
    if (this.o.limits.overloaded()) throw this.shed('overload');
    // The sender must still be the member it claims: after a resume elsewhere, the old
    // connection keeps its binding until its close arrives. Checked in the view, or in the
    // store when the view does not know the sender (it was just rebuilt). Only the store
    // may refuse a sender: the view can be behind, when another node's event about an
    // older binding of this member (a resume there whose connection then dropped) arrives
    // after this node bound the member to this connection.
    let self = this.o.view.lookup(b.room, b.id);
    if (self.known && self.socketId !== socket.id) {
      this.o.view.forget(b.room, b.id);
      self = this.o.view.lookup(b.room, b.id);
    }
    const payload: SignalPayload = { from: b.id, data: msg.data };
    const found = this.o.view.lookup(b.room, msg.to);
    if (self.known && found.known) return this.deliver(socket, b.room, msg.to, found.socketId, payload);
    return this.waiting(async () => {
      const started = performance.now();
      let me, member;
      try {
        [me, member] = await Promise.all([
          self.known ? undefined : this.o.store.getMember(b.room, b.id),
          found.known ? undefined : this.o.store.getMember(b.room, msg.to),
        ]);
      } catch (err) {
        this.o.log.warn({ err }, 'room store operation failed');
        throw AppError.unavailable(err);
      }
      if (!self.known) {
        this.o.view.remember(self.ticket, b.id, me ? me.socketId : undefined);
        if (!me) throw AppError.notInRoom();
        if (me.socketId !== socket.id) throw AppError.sessionReplaced();
      }
      let target = found.known ? found.socketId : undefined;
      if (!found.known) {
        target = member ? member.socketId : undefined;
        this.o.view.remember(found.ticket, msg.to, target);
      }
      await this.deliver(socket, b.room, msg.to, target, payload);
      this.o.metrics.relayLatency.observe((performance.now() - started) / 1000);
    });
  }

  private deliver(socket: MemberConnection, room: string, to: string, socketId: string | null | undefined, payload: SignalPayload): RelayOutcome {
    if (socketId === undefined) throw PEER_NOT_FOUND;
    if (socketId === null) throw unavailablePeer();
    // This node holds the target: its own binding is the truth.
    const here = this.o.local.toMember(socketId, room, to, payload);
    if (here === 'delivered') {
      this.o.metrics.countRelay();
      return;
    }
    if (here === 'stale') {
      this.o.view.forget(room, to);
      throw unavailablePeer();
    }
    const remote = this.o.remote;
    if (!remote) {
      // Single node: a socket that is not here is gone; the view was behind.
      this.o.view.forget(room, to);
      throw unavailablePeer();
    }
    return this.waiting(async () => {
      const started = performance.now();
      let taken: number;
      try {
        taken = await remote.toSocket(socketId, payload);
      } catch (err) {
        this.o.log.warn({ err, socket: socket.id }, 'cross-node relay failed');
        throw AppError.unavailable(err);
      }
      if (taken === 0) {
        this.o.view.forget(room, to);
        throw unavailablePeer();
      }
      this.o.metrics.countRelay();
      this.o.metrics.relayLatency.observe((performance.now() - started) / 1000);
    });
  }

  /** Runs work that waits on the store or Redis within the node's in-flight budget. */
  private waiting(work: () => Promise<void>): Promise<void> {
    const limits = this.o.limits;
    if (limits.inFlight >= limits.maxInFlight) throw this.shed('in-flight');
    limits.inFlight++;
    return work().finally(() => {
      limits.inFlight--;
    });
  }

  private shed(reason: 'overload' | 'in-flight'): AppError {
    this.o.metrics.countShed(reason);
    return BUSY;
  }
}

// The refusals a relay meets under load or churn are answers to the sender, not faults:
// each is one shared object, never logged, so a node shedding thousands of relays per
// second does not also build (and capture a stack for) an error per relay.
const BUSY = new AppError(ErrorCode.UNAVAILABLE, 'The server is busy; send again shortly');
const PEER_UNAVAILABLE = new AppError(ErrorCode.PEER_UNAVAILABLE, 'That participant is reconnecting; try again shortly');
const PEER_NOT_FOUND = new AppError(ErrorCode.PEER_NOT_FOUND, 'No such participant in your room');

function unavailablePeer(): AppError {
  return PEER_UNAVAILABLE;
}
