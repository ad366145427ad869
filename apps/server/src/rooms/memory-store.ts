import type { Peer } from '@meshmeet/protocol';
import type {
  JoinInput,
  JoinOutcome,
  MemberRecord,
  PeerPatch,
  Removal,
  ResumeInput,
  ResumeOutcome,
  RoomInfo,
  RoomStore,
  TickResult,
} from './room-store.js';
import { WindowCounter } from '../security/window-counter.js';

interface StoredMember {
  peer: Peer;
  socketId: string | null;
  tokenHash: string;
  /** Epoch ms after which an unbound member is removed; 0 while bound. */
  graceUntil: number;
  /** The token hash replaced by the last resume, usable once more until `previousUntil` (a retry after a lost answer). */
  previousTokenHash?: string;
  previousUntil?: number;
}

interface StoredRoom {
  password: string | null;
  members: Map<string, StoredMember>;
}

/**
 * In-process room store, used when `REDIS_URL` is unset (one node). Node.js runs each
 * method body without interruption, so every operation here is atomic by construction.
 */
export class MemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, StoredRoom>();
  private readonly tokens = new Map<string, { room: string; id: string }>();
  /** Members in their grace window: `room \0 id` → deadline. Kept apart so `tick` need not scan every room. */
  private readonly grace = new Map<string, number>();
  private memberCount = 0;
  /** Rooms created per quota key, one counter per window length (in practice one). */
  private readonly created = new Map<number, WindowCounter>();

  constructor(
    private readonly nodeId: string,
    private readonly now: () => number = Date.now,
  ) {}

  async join(input: JoinInput): Promise<JoinOutcome> {
    let room = this.rooms.get(input.room);
    const created = !room || room.members.size === 0;
    const quota = input.creationQuota;
    if (created && quota) {
      let counter = this.created.get(quota.windowMs);
      if (!counter) this.created.set(quota.windowMs, (counter = new WindowCounter(quota.windowMs, this.now)));
      if (counter.count(quota.key) >= quota.limit) return { kind: 'no-create' };
      counter.add(quota.key);
    }
    if (room && !created) {
      if (room.password !== input.expectPassword) return { kind: 'password', current: room.password };
      if (room.members.size >= input.maxSize) return { kind: 'full' };
    } else {
      room = { password: input.createPassword, members: new Map() };
      this.rooms.set(input.room, room);
    }
    const others = [...room.members.values()].map((m) => ({ ...m.peer }));
    room.members.set(input.peer.id, {
      peer: { ...input.peer },
      socketId: input.socketId,
      tokenHash: input.tokenHash,
      graceUntil: 0,
    });
    this.tokens.set(input.tokenHash, { room: input.room, id: input.peer.id });
    this.memberCount++;
    return { kind: 'ok', members: others, created };
  }

  async resume(input: ResumeInput): Promise<ResumeOutcome | null> {
    const ref = this.tokens.get(input.tokenHash);
    if (!ref) return null;
    const room = this.rooms.get(ref.room);
    const member = room?.members.get(ref.id);
    if (!room || !member) {
      this.tokens.delete(input.tokenHash);
      return null;
    }
    if (input.tokenHash === member.tokenHash) {
      // The usual case. The token presented stays good for one retry within the window.
      if (member.previousTokenHash) this.tokens.delete(member.previousTokenHash);
      if (input.retryWindowMs > 0) {
        member.previousTokenHash = input.tokenHash;
        member.previousUntil = this.now() + input.retryWindowMs;
      } else {
        delete member.previousTokenHash;
        delete member.previousUntil;
        this.tokens.delete(input.tokenHash);
      }
    } else if (input.tokenHash === member.previousTokenHash && this.now() < (member.previousUntil ?? 0)) {
      // A retry: the answer of the last resume was lost, so its token never arrived.
      this.tokens.delete(member.tokenHash);
    } else {
      this.tokens.delete(input.tokenHash);
      return null;
    }
    const previousSocketId = member.socketId;
    this.tokens.set(input.newTokenHash, ref);
    this.grace.delete(graceKey(ref.room, ref.id));
    member.socketId = input.socketId;
    member.tokenHash = input.newTokenHash;
    member.graceUntil = 0;
    const members = [...room.members.values()].filter((m) => m !== member).map((m) => ({ ...m.peer }));
    return { room: ref.room, self: { ...member.peer }, members, previousSocketId };
  }

  async leave(room: string, id: string, socketId: string): Promise<boolean> {
    const member = this.rooms.get(room)?.members.get(id);
    if (!member || member.socketId !== socketId) return false;
    this.remove(room, id);
    return true;
  }

  async disconnect(room: string, id: string, socketId: string, graceMs: number): Promise<'grace' | 'removed' | 'stale'> {
    const member = this.rooms.get(room)?.members.get(id);
    if (!member || member.socketId !== socketId) return 'stale';
    if (graceMs <= 0) {
      this.remove(room, id);
      return 'removed';
    }
    member.socketId = null;
    member.graceUntil = this.now() + graceMs;
    this.grace.set(graceKey(room, id), member.graceUntil);
    return 'grace';
  }

  async update(room: string, id: string, socketId: string, patch: PeerPatch): Promise<Peer | null> {
    const member = this.rooms.get(room)?.members.get(id);
    if (!member || member.socketId !== socketId) return null;
    member.peer = { ...member.peer, ...patch };
    return { ...member.peer };
  }

  async getMember(room: string, id: string): Promise<MemberRecord | null> {
    const member = this.rooms.get(room)?.members.get(id);
    return member ? { peer: { ...member.peer }, socketId: member.socketId, nodeId: this.nodeId } : null;
  }

  async list(room: string): Promise<Peer[]> {
    return [...(this.rooms.get(room)?.members.values() ?? [])].map((m) => ({ ...m.peer }));
  }

  async info(room: string): Promise<RoomInfo | null> {
    const r = this.rooms.get(room);
    return r ? { size: r.members.size, password: r.password } : null;
  }

  async tick(): Promise<TickResult> {
    const now = this.now();
    const removed: Removal[] = [];
    for (const [key, deadline] of this.grace) {
      if (deadline > now) continue;
      const [room, id] = splitGraceKey(key);
      this.remove(room, id);
      removed.push({ room, id, reason: 'disconnected' });
    }
    return { removed, selfReaped: false }; // one process: nobody else can reap it
  }

  async stats(): Promise<{ rooms: number; members: number }> {
    return { rooms: this.rooms.size, members: this.memberCount };
  }

  async close(): Promise<void> {
    // Nothing to release: the data dies with the process.
  }

  private remove(roomName: string, id: string): void {
    const room = this.rooms.get(roomName);
    const member = room?.members.get(id);
    if (!room || !member) return;
    room.members.delete(id);
    this.tokens.delete(member.tokenHash);
    if (member.previousTokenHash) this.tokens.delete(member.previousTokenHash);
    this.grace.delete(graceKey(roomName, id));
    this.memberCount--;
    if (room.members.size === 0) this.rooms.delete(roomName);
  }
}

function graceKey(room: string, id: string): string {
  return `${room}\u0000${id}`;
}

function splitGraceKey(key: string): [string, string] {
  const at = key.lastIndexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}
