/**
 * The gap of a fresh join: between the store accepting a member and that member's socket
 * receiving the room's broadcasts. The socket may only enter the room's channel after the
 * store accepted it (a join refused for its password must receive nothing of the room),
 * so anyone who joined or left in between is told to it from a second read of the member
 * list. That read costs a store round trip on every join, and it is almost never needed.
 *
 * This node hears every member event of every node (`member` events, in publication
 * order, on the same Redis connection as the rooms' broadcasts). An event sent after the
 * joiner's insert and before its socket could hear the room has therefore reached this
 * node by the time {@link JoinGap.settled} resolves. A join whose watch saw no event for its
 * room in that time missed nothing, so it can skip the second read.
 */

/** What one join learns about its room while it is in the gap. */
export interface RoomWatch {
  /** True when a member event or state change for the room (other than the joiner's own) arrived, or events may have been lost. */
  readonly changed: boolean;
  /** Ends the watch; call it exactly once. */
  stop(): void;
}

/** What {@link RoomService} needs to close the gap of a join without a second read. */
export interface JoinGap {
  /** Starts noting member events for `room` other than those about member `self`. */
  watch(room: string, self: string): RoomWatch;
  /**
   * Resolves once every room event published before this call has reached this node
   * (with Redis: a round trip on the subscriber connection, which carries them in order).
   * Rejects when that cannot be known (the subscriber is cut off, or it took too long).
   */
  settled(): Promise<void>;
  /**
   * A member of `room` changed its state (`peer:update`). Call before the room hears of it:
   * a join in its gap could miss that `peer:updated`, and the second read would carry it.
   */
  updated(room: string, id: string): void;
}

interface OpenWatch {
  self: string;
  changed: boolean;
}

/** The watches of the joins in flight on this node, told of every member event it hears. */
export class RoomWatches {
  private readonly open = new Map<string, Set<OpenWatch>>();

  /** See {@link JoinGap.watch}. */
  watch(room: string, self: string): RoomWatch {
    const w: OpenWatch = { self, changed: false };
    let set = this.open.get(room);
    if (!set) this.open.set(room, (set = new Set()));
    set.add(w);
    return {
      get changed() {
        return w.changed;
      },
      stop: () => {
        set.delete(w);
        if (set.size === 0 && this.open.get(room) === set) this.open.delete(room);
      },
    };
  }

  /** A member event about member `id` of `room` arrived (from this node or another). */
  touch(room: string, id: string): void {
    for (const w of this.open.get(room) ?? []) if (w.self !== id) w.changed = true;
  }

  /** Events may have been lost (the subscriber was cut off, or a node's views were reset). */
  touchAll(): void {
    for (const set of this.open.values()) for (const w of set) w.changed = true;
  }

  /** Rooms with a join in its gap now (for tests and leak checks). */
  get size(): number {
    return this.open.size;
  }
}
