import type { Redis } from 'ioredis';
import type { Peer } from '@meshmeet/protocol';
import { decodeRoom, encodeRoom } from './room-store.js';
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
import * as lua from './redis-scripts.js';

/** A member as serialized in the room hash (short keys: they are stored once per member). */
interface StoredMember {
  p: Peer;
  s: string;
  n: string;
  t: string;
  g: number;
  /** Previous token hash, resumable until `pe` (see the RESUME script). */
  pt?: string;
  pe?: number;
}

/** The scripts, registered on the client with `defineCommand` (EVALSHA, EVAL on a cache miss). */
interface ScriptCommands {
  mmJoin(...args: string[]): Promise<['ok', string[], '0' | '1'] | ['full'] | ['no-create'] | ['password', string]>;
  mmResume(...args: string[]): Promise<[string, string, string, string[]] | null>;
  mmLeave(...args: string[]): Promise<number>;
  mmDisconnect(...args: string[]): Promise<'grace' | 'removed' | 'stale'>;
  mmUpdate(...args: string[]): Promise<string | null>;
  mmTick(...args: string[]): Promise<string[]>;
}

/** Options of {@link RedisRoomStore}. */
export interface RedisRoomStoreOptions {
  /** Key prefix, e.g. `meshmeet:`. */
  prefix: string;
  /** This process's id in the liveness records. */
  nodeId: string;
  /** Members of a node silent for this long are removed by the surviving nodes. */
  nodeDeadAfterMs: number;
  /** Most members removed per {@link RedisRoomStore.tick}. */
  tickBudget?: number;
}

/**
 * Room store on Redis (ioredis), shared by every node. Each mutation is one Lua script,
 * so membership stays exact under concurrent joins from many nodes.
 */
export class RedisRoomStore implements RoomStore {
  private readonly r: Redis & ScriptCommands;
  private readonly p: string;
  private firstTick = true;

  constructor(
    redis: Redis,
    private readonly opts: RedisRoomStoreOptions,
  ) {
    this.p = opts.prefix;
    const scripts: Record<keyof ScriptCommands, string> = {
      mmJoin: lua.JOIN,
      mmResume: lua.RESUME,
      mmLeave: lua.LEAVE,
      mmDisconnect: lua.DISCONNECT,
      mmUpdate: lua.UPDATE,
      mmTick: lua.TICK,
    };
    for (const [name, script] of Object.entries(scripts)) {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 0, lua: script });
    }
    this.r = redis as Redis & ScriptCommands;
  }

  async join(input: JoinInput): Promise<JoinOutcome> {
    const record: StoredMember = { p: input.peer, s: input.socketId, n: this.opts.nodeId, t: input.tokenHash, g: 0 };
    const quota = input.creationQuota;
    const res = await this.r.mmJoin(
      this.p,
      encodeRoom(input.room),
      input.peer.id,
      JSON.stringify(record),
      String(input.maxSize),
      input.expectPassword ?? '',
      input.createPassword ?? '',
      input.tokenHash,
      this.opts.nodeId,
      quota ? Buffer.from(quota.key).toString('base64url') : '',
      String(quota?.limit ?? 0),
      String(quota?.windowMs ?? 0),
      input.announce?.channel ?? '',
      input.announce?.message ?? '',
    );
    if (res[0] === 'ok') return { kind: 'ok', members: res[1].map((raw) => parse(raw).p), created: res[2] === '1' };
    if (res[0] === 'full') return { kind: 'full' };
    if (res[0] === 'no-create') return { kind: 'no-create' };
    return { kind: 'password', current: res[1] || null };
  }

  async resume(input: ResumeInput): Promise<ResumeOutcome | null> {
    const res = await this.r.mmResume(this.p, input.tokenHash, input.newTokenHash, input.socketId, this.opts.nodeId, String(input.retryWindowMs));
    if (!res) return null;
    const [enc, previous, selfRaw, all] = res;
    const self = parse(selfRaw).p;
    return {
      room: decodeRoom(enc),
      self,
      members: all.map((raw) => parse(raw).p).filter((p) => p.id !== self.id),
      previousSocketId: previous || null,
    };
  }

  async leave(room: string, id: string, socketId: string): Promise<boolean> {
    return (await this.r.mmLeave(this.p, encodeRoom(room), id, socketId)) === 1;
  }

  async disconnect(room: string, id: string, socketId: string, graceMs: number): Promise<'grace' | 'removed' | 'stale'> {
    return this.r.mmDisconnect(this.p, encodeRoom(room), id, socketId, String(graceMs));
  }

  async update(room: string, id: string, socketId: string, patch: PeerPatch): Promise<Peer | null> {
    const res = await this.r.mmUpdate(this.p, encodeRoom(room), id, socketId, JSON.stringify(patch));
    return res ? (JSON.parse(res) as Peer) : null;
  }

  async getMember(room: string, id: string): Promise<MemberRecord | null> {
    const raw = await this.r.hget(this.key(room, 'm'), id);
    if (!raw) return null;
    const m = parse(raw);
    return { peer: m.p, socketId: m.s || null, nodeId: m.n };
  }

  async list(room: string): Promise<Peer[]> {
    return (await this.r.hvals(this.key(room, 'm'))).map((raw) => parse(raw).p);
  }

  async info(room: string): Promise<RoomInfo | null> {
    const res = await this.r.multi().hlen(this.key(room, 'm')).get(this.key(room, 'pwd')).exec();
    const size = Number(res?.[0]?.[1] ?? 0);
    if (!size) return null;
    return { size, password: (res?.[1]?.[1] as string | null) || null };
  }

  async tick(): Promise<TickResult> {
    const first = this.firstTick ? '1' : '0';
    const [reaped, ...flat] = await this.r.mmTick(
      this.p,
      this.opts.nodeId,
      String(this.opts.nodeDeadAfterMs),
      first,
      String(this.opts.tickBudget ?? 1000),
    );
    this.firstTick = false;
    const removed: Removal[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) {
      removed.push({ room: decodeRoom(flat[i]!), id: flat[i + 1]!, reason: flat[i + 2] as Removal['reason'] });
    }
    return { removed, selfReaped: reaped === '1' };
  }

  async stats(): Promise<{ rooms: number; members: number }> {
    const res = await this.r.multi().scard(`${this.p}rooms`).get(`${this.p}count`).exec();
    return { rooms: Number(res?.[0]?.[1] ?? 0), members: Number(res?.[1]?.[1] ?? 0) };
  }

  /**
   * Graceful stop. The liveness record is left to expire on purpose: the node's sockets
   * were closed first, so its members sit in their grace window and the grace sweep of the
   * surviving nodes removes them unless they resume; anything still bound to this node
   * (a socket that could not be closed) is then reaped like a crashed node's, never orphaned.
   */
  async close(): Promise<void> {}

  private key(room: string, suffix: 'm' | 'pwd'): string {
    return `${this.p}r:${encodeRoom(room)}:${suffix}`;
  }
}

function parse(raw: string): StoredMember {
  return JSON.parse(raw) as StoredMember;
}
