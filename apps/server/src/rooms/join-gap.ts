/**
 * The gap of a fresh join: between the store accepting a member and that member's socket
 * receiving the room's broadcasts. The socket may only enter the room's channel after the
 * store accepted it (a join refused for its password must receive nothing of the room),
 * so whatever the room heard in between must still reach it: who joined (as `peer:joined`),
 * who left (dropped from the ack), what changed (folded into the ack's states).
 *
 * Every node hears every room notice of every node, in publication order, on the one
 * channel all nodes subscribe to for good (`member` and `room:notice` events), and tells
 * its own clients. A join watches its room from before its insert until its socket is in
 * the room's channel here: a notice published after the insert either reached this node
 * before that, and the watch holds it, or reaches the socket itself. So the join replays
 * what its watch saw on top of the member list its insert returned, with no second read of
 * the store and no wait; it reads again only when events may have been lost.
 */
import type { Peer } from '@meshmeet/protocol';
import type { RoomNotice } from './room-notifier.js';

/** What one join learns about its room while it is in the gap. */
export interface RoomWatch {
  /** The room's notices about members other than the joiner, in the order they arrived. */
  readonly seen: readonly RoomNotice[];
  /** True when events may have been lost (the subscriber was cut off, or views were reset): read the store again. */
  readonly lost: boolean;
  /** Ends the watch; call it exactly once. */
  stop(): void;
}

/** What {@link RoomService} needs to close the gap of a join without a second read. */
export interface JoinGap {
  /** Starts noting the room notices of `room` about members other than `self`. */
  watch(room: string, self: string): RoomWatch;
  /** False while this node may not be hearing other nodes (its Redis subscriber is cut off). */
  trusted(): boolean;
}

interface OpenWatch {
  self: string;
  seen: RoomNotice[];
  lost: boolean;
}

/** The watches of the joins in flight on this node, told of every room notice it hears. */
export class RoomWatches {
  private readonly open = new Map<string, Set<OpenWatch>>();

  /** See {@link JoinGap.watch}. */
  watch(room: string, self: string): RoomWatch {
    const w: OpenWatch = { self, seen: [], lost: false };
    let set = this.open.get(room);
    if (!set) this.open.set(room, (set = new Set()));
    set.add(w);
    return {
      seen: w.seen,
      get lost() {
        return w.lost;
      },
      stop: () => {
        set.delete(w);
        if (set.size === 0 && this.open.get(room) === set) this.open.delete(room);
      },
    };
  }

  /**
   * A notice for the clients of `room` arrived (from this node or another). Membership and
   * state notices about others are kept; chat is not: a message sent before the joiner was
   * in the room is not the joiner's to read.
   */
  saw(room: string, notice: RoomNotice): void {
    if (notice.event === 'chat:message') return;
    for (const w of this.open.get(room) ?? []) if (w.self !== notice.payload.id) w.seen.push(notice);
  }

  /** Events may have been lost (the subscriber was cut off, or a node's views were reset). */
  lostAll(): void {
    for (const set of this.open.values()) for (const w of set) w.lost = true;
  }

  /** Rooms with a join in its gap now (for tests and leak checks). */
  get size(): number {
    return this.open.size;
  }
}

/** What a join tells its client after replaying its gap: see {@link replayGap}. */
export interface ReplayedGap {
  /** The ack's `members`: the first list, less who left, with every state change applied. */
  members: Peer[];
  /** Who joined in the gap and is still there: sent to the joiner as `peer:joined`. */
  newcomers: Peer[];
}

/**
 * Applies, in order, the notices a join's watch saw to the member list its insert returned.
 * A notice published before the insert may arrive in the gap too: replaying it is harmless,
 * because everything published after it arrives after it and is replayed as well.
 */
export function replayGap(before: readonly Peer[], seen: readonly RoomNotice[]): ReplayedGap {
  const members = new Map(before.map((m) => [m.id, m]));
  const newcomers = new Map<string, Peer>();
  for (const n of seen) {
    const id = n.payload.id;
    if (n.event === 'peer:joined') (members.has(id) ? members : newcomers).set(id, n.payload);
    else if (n.event === 'peer:left') {
      members.delete(id);
      newcomers.delete(id);
    } else if (n.event === 'peer:updated') {
      const list = members.has(id) ? members : newcomers;
      const m = list.get(id);
      if (m) list.set(id, { ...m, ...n.payload });
    }
  }
  return { members: [...members.values()], newcomers: [...newcomers.values()] };
}
