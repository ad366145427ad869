/**
 * A change of one member's binding, told to every node so each can keep its
 * {@link MembershipView} current without asking the store on every relay.
 * `socketId: null`: the member is in its resume grace window (reconnecting).
 */
export type MemberEvent =
  | { kind: 'bound'; room: string; id: string; socketId: string | null }
  | { kind: 'gone'; room: string; id: string };

/** What a lookup in the view found. */
export type ViewLookup =
  /** The member is bound to this socket (`null`: reconnecting). */
  | { known: true; socketId: string | null }
  /** The view does not know; ask the store (and {@link MembershipView.remember} the answer). */
  | { known: false; ticket: LookupTicket };

/** Taken before a store lookup; the answer is kept only if no event for the room came meanwhile. */
export interface LookupTicket {
  room: string;
  entry: RoomEntry;
  version: number;
}

interface RoomEntry {
  /** Member id → socket id (`null`: in its grace window). Absent: unknown, ask the store. */
  members: Map<string, string | null>;
  /** Bumped by every event for the room, so a store answer read before an event is not kept. */
  version: number;
}

/**
 * This node's view of who is in the rooms its own sockets are in, so that a `signal`
 * can be checked (same room, target bound) without a store round trip.
 *
 * Correctness rests on three rules:
 * - the store stays the authority: a member the view does not know is looked up there;
 * - every change of a binding is applied here before the room hears of it (each node
 *   emits the {@link MemberEvent} before the room's `peer:joined` / `peer:left`, on the same
 *   ordered channel), so once a client saw `peer:left` its relays to that peer are refused;
 * - when this node may have missed events (its Redis subscriber was cut off, or a node
 *   could not publish one), the whole view is dropped and rebuilt from the store.
 *
 * Memory: only rooms with a socket on this node are kept ({@link prune}).
 */
export class MembershipView {
  private rooms = new Map<string, RoomEntry>();
  private enabled = true;

  /** Looks a member up; a miss hands out a ticket for {@link remember}. */
  lookup(room: string, id: string): ViewLookup {
    let entry = this.rooms.get(room);
    if (entry && this.enabled) {
      const socketId = entry.members.get(id);
      if (socketId !== undefined) return { known: true, socketId };
    }
    if (!entry) {
      entry = { members: new Map(), version: 0 };
      if (this.enabled) this.rooms.set(room, entry);
    }
    return { known: false, ticket: { room, entry, version: entry.version } };
  }

  /** Keeps a store answer (`undefined`: not a member), unless an event for the room arrived since the ticket. */
  remember(ticket: LookupTicket, id: string, socketId: string | null | undefined): void {
    if (!this.enabled || this.rooms.get(ticket.room) !== ticket.entry || ticket.entry.version !== ticket.version) return;
    // Non-members are not cached: a join elsewhere needs no event to become visible.
    if (socketId !== undefined) ticket.entry.members.set(id, socketId);
  }

  /**
   * Applies a binding change. `local`: it came from this node, where a `bound` event means
   * one of our sockets is now in the room, so the room is held from now on.
   */
  apply(ev: MemberEvent, local = false): void {
    let entry = this.rooms.get(ev.room);
    if (!entry) {
      // No socket of ours is in that room: nothing to keep current.
      if (!local || ev.kind !== 'bound' || ev.socketId === null || !this.enabled) return;
      entry = { members: new Map(), version: 0 };
      this.rooms.set(ev.room, entry);
    }
    entry.version++;
    if (ev.kind === 'gone') entry.members.delete(ev.id);
    else entry.members.set(ev.id, ev.socketId);
  }

  /** Forgets one member (a delivery showed the view was wrong); the next lookup asks the store. */
  forget(room: string, id: string): void {
    const entry = this.rooms.get(room);
    if (!entry) return;
    entry.version++;
    entry.members.delete(id);
  }

  /** Drops every room for which `keep` says no socket of this node is in it any more. */
  prune(keep: (room: string) => boolean): void {
    for (const room of this.rooms.keys()) if (!keep(room)) this.rooms.delete(room);
  }

  /** Drops everything (events may have been missed); it refills from the store. */
  clear(): void {
    this.rooms = new Map();
  }

  /** Turns the view off (every lookup misses) while events cannot be trusted to arrive, and back on. */
  setEnabled(on: boolean): void {
    if (this.enabled !== on) this.clear();
    this.enabled = on;
  }

  /** Rooms held (for tests and metrics). */
  get size(): number {
    return this.rooms.size;
  }
}
