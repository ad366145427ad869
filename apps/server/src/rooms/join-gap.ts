/**
 * The gap of a join or a resume: between the store accepting a member and that member's
 * socket receiving the room's broadcasts. The socket may only enter the room's channel
 * after the store accepted it (a join refused for its password must receive nothing of the room),
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
 *
 * A resume has the same gap, but learns its room only from the store's answer (the token
 * names the member, not the room), so its watch starts before that on every room
 * ({@link RoomWatches.watchAny}) and keeps the resumed room's part at the end.
 */
import type { Peer } from '@meshmeet/protocol';
import type { RoomNotice } from './room-notifier.js';

/** What one join or resume learned about its room while it was in the gap. */
export interface GapRecord {
  /** The room's notices about members other than the joiner, in the order they arrived. */
  readonly seen: readonly RoomNotice[];
  /** True when events may have been lost (the subscriber was cut off, or views were reset): read the store again. */
  readonly lost: boolean;
}

/** A join's watch of its room. */
export interface RoomWatch extends GapRecord {
  /** Ends the watch; call it exactly once. */
  stop(): void;
}

/** A resume's watch, opened before its room is known. */
export interface AnyRoomWatch {
  /** What the watch heard so far of `room`, about members other than `self`. */
  of(room: string, self: string): GapRecord;
  /** Ends the watch; call it exactly once. */
  stop(): void;
}

/** What {@link RoomService} needs to close the gap of a join or a resume without a second read. */
export interface JoinGap {
  /** Starts noting the room notices of `room` about members other than `self`. */
  watch(room: string, self: string): RoomWatch;
  /** Starts noting the notices of every room (for a resume, whose room the store names). */
  watchAny(): AnyRoomWatch;
  /** False while this node may not be hearing other nodes (its Redis subscriber is cut off). */
  trusted(): boolean;
}

interface OpenWatch {
  self: string;
  seen: RoomNotice[];
  lost: boolean;
}

interface OpenAnyWatch {
  /** Count of notices {@link RoomWatches.heard} held before this watch opened. */
  from: number;
  lost: boolean;
}

/** The watches of the joins and resumes in flight on this node, told of every room notice it hears. */
export class RoomWatches {
  private readonly open = new Map<string, Set<OpenWatch>>();
  private readonly openAny = new Set<OpenAnyWatch>();
  /**
   * Every room's notices heard while a resume's watch is open, shared by those watches (a
   * burst of resumes after a node failed must not copy each notice once per resume). Its
   * first entry is the `dropped + 1`th notice heard since it was last empty.
   */
  private heard: { room: string; notice: RoomNotice }[] = [];
  private dropped = 0;

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

  /** See {@link JoinGap.watchAny}. */
  watchAny(): AnyRoomWatch {
    const w: OpenAnyWatch = { from: this.dropped + this.heard.length, lost: false };
    this.openAny.add(w);
    return {
      of: (room, self) => ({
        seen: this.heard
          .slice(w.from - this.dropped)
          .filter((h) => h.room === room && h.notice.payload.id !== self)
          .map((h) => h.notice),
        lost: w.lost,
      }),
      stop: () => {
        this.openAny.delete(w);
        // Watches open in the order of their `from`, and a Set keeps that order: the first is the oldest.
        const oldest = this.openAny.values().next().value as OpenAnyWatch | undefined;
        this.forgetHeardBefore(oldest ? oldest.from : this.dropped + this.heard.length);
      },
    };
  }

  /** Drops the shared notices older than every open resume's watch (none needs them any more). */
  private forgetHeardBefore(count: number): void {
    if (count <= this.dropped) return;
    this.heard = this.heard.slice(count - this.dropped);
    this.dropped = count;
  }

  /**
   * A notice for the clients of `room` arrived (from this node or another). Membership and
   * state notices about others are kept; chat is not: a message sent before the joiner was
   * in the room is not the joiner's to read.
   */
  saw(room: string, notice: RoomNotice): void {
    if (notice.event === 'chat:message') return;
    for (const w of this.open.get(room) ?? []) if (w.self !== notice.payload.id) w.seen.push(notice);
    if (this.openAny.size > 0) this.heard.push({ room, notice });
  }

  /** Events may have been lost (the subscriber was cut off, or a node's views were reset). */
  lostAll(): void {
    for (const set of this.open.values()) for (const w of set) w.lost = true;
    for (const w of this.openAny) w.lost = true;
  }

  /** Rooms with a join in its gap now (for tests and leak checks). */
  get size(): number {
    return this.open.size;
  }

  /** Notices kept for resumes in their gap now (for tests and leak checks). */
  get heldForResumes(): number {
    return this.heard.length;
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
