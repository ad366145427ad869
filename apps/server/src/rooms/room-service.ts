import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import {
  DEFAULT_MEDIA_STATE,
  ErrorCode,
  type ChatMessage,
  type FreshJoin,
  type IceServer,
  type JoinResult,
  type Peer,
  type PeerLeft,
} from '@meshmeet/protocol';
import { AppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { ActivityNotice, Binding, MemberConnection, RoomNotice, RoomNotifier } from './room-notifier.js';
import { hashToken, newPeerId, newResumeToken } from './ids.js';
import type { PasswordGuard } from '../security/password-guard.js';
import { replayGap, type GapRecord, type JoinGap } from './join-gap.js';
import type { MemberEvent } from './membership-view.js';
import { encodeRoom, type PeerPatch, type Publication, type Removal, type RoomStore } from './room-store.js';

/** Dependencies and settings of {@link RoomService}. */
export interface RoomServiceOptions {
  store: RoomStore;
  /** Tells clients about room changes (implemented by the signaling layer). */
  notify: RoomNotifier;
  metrics: Metrics;
  log: FastifyBaseLogger;
  maxRoomSize: number;
  resumeGraceMs: number;
  /** ICE servers (with fresh TURN credentials) for one participant. */
  iceServersFor: (id: string) => IceServer[];
  /** Every scrypt (hash or check) goes through this, with its limits. */
  passwords: PasswordGuard;
  /**
   * Most rooms one client address may create per hour. Counted by the store in the same
   * atomic step as the creation, so with Redis every node draws on one count.
   */
  roomsPerAddressPerHour: number;
  /**
   * Told of every change of a member's binding, with what the room's clients are to hear
   * of it (`notice`), if anything. The signaling layer applies the change to this node's
   * membership view (see membership-view.ts), then tells the room's clients here, and sends
   * both to every other node as one message (unless `sent.announced`: the store published
   * it with the insert), which each applies in the same order: no node tells a client of a
   * change its own view has not applied yet.
   */
  onMemberChange: (ev: MemberEvent, notice?: RoomNotice, sent?: { announced: boolean }) => void;
  /**
   * The message that tells the other nodes of a fresh join (what `onMemberChange` would
   * send), for the store to publish in the same step as the insert: one Redis command per
   * join instead of two, and no news of a join the store refused. Absent, or undefined for
   * a change: `onMemberChange` sends it after the insert.
   */
  announcement?: (ev: MemberEvent, notice: RoomNotice) => Publication | undefined;
  /**
   * Told of what a member does in `room` (a change of state, a chat message), as the notice
   * the room's clients are to hear; delivered like `onMemberChange`'s notices. Joins and
   * resumes in their gap replay the state changes.
   */
  onActivity: (room: string, notice: ActivityNotice) => void;
  /**
   * Lets a join or a resume replay what its room heard while it was in its gap instead of
   * reading the member list a second time (see join-gap.ts). Without it every join and
   * resume reads twice.
   */
  gap?: JoinGap;
}

/** The window of `ROOMS_PER_ADDRESS_PER_HOUR`. */
const ROOM_QUOTA_WINDOW_MS = 3600_000;

/** The refusal of a password for a room that is already open. */
function notProtected(room: string): AppError {
  return new AppError(
    ErrorCode.ROOM_NOT_PROTECTED,
    `The room "${room}" is already open without a password, so a password would protect nothing. Choose another room name for a private room, or join without a password.`,
  );
}

/** The room's `peer:left` about member `id`. */
function left(channel: string, id: string, reason: PeerLeft['reason']): RoomNotice {
  return { event: 'peer:left', channel, payload: { id, reason } };
}

/** socket.io room that carries a meshmeet room's broadcasts. */
export function roomChannel(room: string): string {
  return `r:${encodeRoom(room)}`;
}

/**
 * Room logic: joins, resumes, leaves, relays and chat, on top of a {@link RoomStore}.
 * Identity comes only from `socket.data.binding`, which only this class sets.
 */
export class RoomService {
  private closing = false;
  private readonly unreleased: { b: Binding; socketId: string }[] = [];

  constructor(private readonly o: RoomServiceOptions) {}

  /** Refuses new joins from now on (graceful shutdown). */
  stopAccepting(): void {
    this.closing = true;
  }

  /**
   * `room:join` without a token: a new id in the named room.
   *
   * Order matters for privacy: the socket enters the room's broadcast channel only after
   * the store accepted it as a member, i.e. after the password check. A refused join never
   * receives a single room event. Members who joined between our insert and our
   * subscription (whose `peer:joined` we could have missed) are sent to this socket as
   * `peer:joined`, members who left in that gap are dropped from the ack, and state changes
   * in it are applied to the ack's states: from what the join's watch heard in the gap
   * ({@link JoinGap}), or, when events may have been lost, from a second read of the list.
   */
  async join(socket: MemberConnection, req: FreshJoin): Promise<JoinResult> {
    this.assertOpen();
    if (socket.data.binding) throw new AppError(ErrorCode.ALREADY_IN_ROOM, 'Already in a room; leave it first');
    // Queued behind other work, the socket may be gone already: nobody to join for.
    if (!socket.connected) throw new AppError(ErrorCode.UNAVAILABLE, 'The connection closed');
    const peer: Peer = { ...DEFAULT_MEDIA_STATE, ...req.state, id: newPeerId(), nick: req.nick };
    const token = newResumeToken();
    const channel = roomChannel(req.room);
    // Watched from before the insert: an event about someone else that arrives from now on
    // may be about a member our insert did not see.
    const watch = this.o.gap?.watch(req.room, peer.id);
    const bound: MemberEvent = { kind: 'bound', room: req.room, id: peer.id, socketId: socket.id };
    const joined: RoomNotice = { event: 'peer:joined', channel, payload: peer, except: socket.id };
    const announce = this.o.announcement?.(bound, joined);
    try {
      const { members: before, hasPassword } = await this.insert(socket, req, peer, hashToken(token), announce);
      socket.data.binding = { room: req.room, channel, id: peer.id, nick: peer.nick };
      // A socket that closed meanwhile must not enter the channel (socket.io already ran its
      // leave-all); the binding alone lets the queued disconnect release the member.
      if (socket.connected) await socket.join(channel);
      this.o.onMemberChange(bound, joined, { announced: announce !== undefined });
      const members = this.replayedGap(socket.id, before, watch) ?? (await this.catchUp(socket.id, req.room, peer.id, before));
      this.o.metrics.joins.inc({ kind: 'fresh' });
      return this.result(req.room, peer, members, token, false, hasPassword);
    } finally {
      watch?.stop();
    }
  }

  /**
   * The join's (or resume's) member list with what its watch saw in the gap applied,
   * newcomers told to the socket; null when that cannot be trusted (no watch, events may
   * have been lost, or this node does not hear other nodes now). Called once the socket is
   * in the room's channel: a notice that reached this node before that is in the watch, and
   * any later one reaches the socket itself.
   */
  private replayedGap(socketId: string, before: Peer[], watch: GapRecord | undefined): Peer[] | null {
    if (!watch || !this.o.gap?.trusted() || watch.lost) return null;
    const { members, newcomers } = replayGap(before, watch.seen);
    for (const p of newcomers) this.o.notify.peerJoinedTo(socketId, p);
    return members;
  }

  /**
   * Second read of the member list after the socket entered the channel: members who joined
   * since `before` are told to the socket as `peer:joined`; members who left are dropped from
   * the answer. If the read fails, the first list stands.
   */
  private async catchUp(socketId: string, room: string, self: string, before: Peer[]): Promise<Peer[]> {
    this.o.metrics.joinCatchUps.inc();
    const now = await this.db(() => this.o.store.list(room)).catch(() => null);
    if (!now) return before;
    const earlier = new Set(before.map((m) => m.id));
    for (const m of now) if (m.id !== self && !earlier.has(m.id)) this.o.notify.peerJoinedTo(socketId, m);
    return now.filter((m) => earlier.has(m.id));
  }

  /**
   * `room:join {resumeToken}`: takes back an id within its grace window, maybe on another
   * node. The token presented stays good for one retry within `resumeGraceMs` (the answer
   * with the new token may be lost with the connection that carried it); the connection
   * the member was bound to before is closed, and until then anything it sends is refused
   * `SESSION_REPLACED`. The resume's gap (between the store's answer and the socket being
   * in the room's channel) is closed as a join's is: newcomers told as `peer:joined`,
   * leavers dropped from the ack, state changes applied.
   */
  async resume(socket: MemberConnection, resumeToken: string): Promise<JoinResult> {
    this.assertOpen();
    if (socket.data.binding) throw new AppError(ErrorCode.ALREADY_IN_ROOM, 'Already in a room; leave it first');
    const token = newResumeToken();
    // Watched from before the store's answer, like a join's gap; the room is known only then.
    const watch = this.o.gap?.watchAny();
    try {
      const outcome = await this.db(() =>
        this.o.store.resume({
          tokenHash: hashToken(resumeToken),
          newTokenHash: hashToken(token),
          socketId: socket.id,
          // A retry after a lost answer comes within the same grace a dropped connection gets.
          retryWindowMs: this.o.resumeGraceMs,
        }),
      );
      if (!outcome) throw new AppError(ErrorCode.RESUME_FAILED, 'The session expired; join the room again');
      const { room, self } = outcome;
      const channel = roomChannel(room);
      // If the socket closed while we waited, joining the channel would leave a stale entry in
      // the adapter (socket.io already ran its leave-all); the binding alone lets the queued
      // disconnect put the member back into its grace window.
      if (socket.connected) await socket.join(channel);
      socket.data.binding = { room, channel, id: self.id, nick: self.nick };
      this.o.onMemberChange({ kind: 'bound', room, id: self.id, socketId: socket.id });
      if (outcome.previousSocketId && outcome.previousSocketId !== socket.id) {
        // The old connection may still look alive (its node has not noticed the drop yet): close it.
        this.o.notify.closeConnection(outcome.previousSocketId);
      }
      const members =
        this.replayedGap(socket.id, outcome.members, watch?.of(room, self.id)) ?? (await this.catchUp(socket.id, room, self.id, outcome.members));
      this.o.metrics.joins.inc({ kind: 'resume' });
      const info = await this.db(() => this.o.store.info(room));
      return this.result(room, self, members, token, true, Boolean(info?.password));
    } finally {
      watch?.stop();
    }
  }

  /** `room:leave`: gone at once, peers see `peer:left {reason: 'left'}`. */
  async leave(socket: MemberConnection): Promise<void> {
    const b = this.bound(socket);
    const removed = await this.db(() => this.o.store.leave(b.room, b.id, socket.id));
    socket.data.binding = null;
    await socket.leave(b.channel);
    if (removed) {
      this.o.onMemberChange({ kind: 'gone', room: b.room, id: b.id }, left(b.channel, b.id, 'left'));
    }
  }

  /**
   * Undoes a join or resume that succeeded after its client was told `UNAVAILABLE` (it took
   * too long): the client acts on that answer, so the member must not stay bound to this
   * connection. A fresh member leaves the room at once (its client never learned its id);
   * a resumed one goes back to its grace window, where the client's next resume, with the
   * token it still holds, finds it.
   */
  async abandon(socket: MemberConnection, resumed: boolean): Promise<void> {
    const b = socket.data.binding;
    if (!b) return;
    if (!resumed) return this.leave(socket);
    socket.data.binding = null;
    await socket.leave(b.channel);
    await this.release(b, socket.id);
  }

  /** The socket closed: the member waits out its grace window (or goes now without one). */
  async disconnected(socket: MemberConnection): Promise<void> {
    const b = socket.data.binding;
    if (!b) return;
    socket.data.binding = null;
    await this.release(b, socket.id);
  }

  private async release(b: Binding, socketId: string): Promise<void> {
    try {
      const outcome = await this.o.store.disconnect(b.room, b.id, socketId, this.o.resumeGraceMs);
      if (outcome === 'grace') this.o.onMemberChange({ kind: 'bound', room: b.room, id: b.id, socketId: null });
      if (outcome === 'removed') {
        this.o.onMemberChange({ kind: 'gone', room: b.room, id: b.id }, left(b.channel, b.id, 'disconnected'));
      }
    } catch (err) {
      // The store is unreachable: retry on the next tick, or the member would stay bound to a
      // dead socket on a live node, where no reaper would ever find it.
      this.o.log.warn({ err, room: b.room, id: b.id }, 'could not release a member; will retry');
      this.unreleased.push({ b, socketId });
    }
  }

  /** `peer:update`: changes the caller's own state and tells the others. */
  async update(socket: MemberConnection, patch: PeerPatch): Promise<void> {
    const b = this.bound(socket);
    const peer = await this.db(() => this.o.store.update(b.room, b.id, socket.id, patch));
    if (!peer) {
      const member = await this.db(() => this.o.store.getMember(b.room, b.id));
      throw member ? this.replaced(socket) : AppError.notInRoom();
    }
    if (patch.nick !== undefined) b.nick = patch.nick;
    this.o.onActivity(b.room, { event: 'peer:updated', channel: b.channel, payload: { ...patch, id: b.id }, except: socket.id });
  }

  /**
   * `chat:send`: to everyone in the room, the sender included. The store says whether this
   * connection still speaks for the member (chat is rare enough for one lookup per message).
   */
  async chat(socket: MemberConnection, text: string): Promise<ChatMessage> {
    const b = this.bound(socket);
    const member = await this.db(() => this.o.store.getMember(b.room, b.id));
    if (!member) throw AppError.notInRoom();
    if (member.socketId !== socket.id) throw this.replaced(socket);
    const message: ChatMessage = { id: randomBytes(9).toString('base64url'), from: b.id, nick: b.nick, text, at: Date.now() };
    this.o.onActivity(b.room, { event: 'chat:message', channel: b.channel, payload: message });
    return message;
  }

  /** Housekeeping (liveness, expired grace, dead nodes); tells rooms about removed members. */
  async tick(): Promise<Removal[]> {
    for (const { b, socketId } of this.unreleased.splice(0)) await this.release(b, socketId);
    const { removed, selfReaped } = await this.o.store.tick();
    for (const r of removed) {
      this.o.onMemberChange({ kind: 'gone', room: r.room, id: r.id }, left(roomChannel(r.room), r.id, r.reason));
    }
    if (selfReaped) await this.dropReapedMembers();
    return removed;
  }

  /**
   * Another node took this one for dead (it missed heartbeats for NODE_DEAD_AFTER_MS: a long
   * pause or a starved CPU) and removed its members; their peers were told `node-down`.
   * Sockets still bound to a removed member would be ghosts, so close them: the clients
   * reconnect, their resume fails, and they join afresh.
   */
  private async dropReapedMembers(): Promise<void> {
    const ghosts: MemberConnection[] = [];
    for (const socket of this.o.notify.localConnections()) {
      const b = socket.data.binding;
      if (!b) continue;
      const member = await this.o.store.getMember(b.room, b.id);
      if (member?.socketId !== socket.id) ghosts.push(socket);
    }
    this.o.log.warn({ count: ghosts.length }, 'this node was taken for dead by another; closing the sockets of its removed members');
    for (const socket of ghosts) {
      socket.data.binding = null;
      socket.disconnect(true);
    }
  }

  /**
   * Inserts the member, verifying the room password outside the atomic step (scrypt is
   * slow). A password given for a room that exists without one is refused: whoever sits in
   * an open room must not receive people who believe the room is private.
   */
  private async insert(
    socket: MemberConnection,
    req: FreshJoin,
    peer: Peer,
    tokenHash: string,
    announce: Publication | undefined,
  ): Promise<{ members: Peer[]; hasPassword: boolean }> {
    const { address } = socket.data;
    const room = req.room;
    let expect: string | null = null;
    let create: string | null = null;
    const check = async (record: string) => {
      await this.o.passwords.verify(address, room, req.password ?? '', record);
      return record;
    };
    if (req.password) {
      const info = await this.db(() => this.o.store.info(room));
      if (info?.password) expect = create = await check(info.password);
      else if (info) throw notProtected(room);
      else create = await this.o.passwords.hash(address, req.password);
    }
    const creationQuota = { key: address, limit: this.o.roomsPerAddressPerHour, windowMs: ROOM_QUOTA_WINDOW_MS };
    for (let attempt = 0; attempt < 4; attempt++) {
      const outcome = await this.db(() =>
        this.o.store.join({ room, peer, socketId: socket.id, tokenHash, maxSize: this.o.maxRoomSize, expectPassword: expect, createPassword: create, creationQuota, announce }),
      );
      if (outcome.kind === 'ok') {
        return { members: outcome.members, hasPassword: (expect ?? create) !== null };
      }
      if (outcome.kind === 'full') throw new AppError(ErrorCode.ROOM_FULL, `The room is full (${this.o.maxRoomSize} participants)`);
      if (outcome.kind === 'no-create') {
        throw new AppError(ErrorCode.ROOM_LIMIT, 'You have created too many rooms in the last hour; join an existing room or try again later');
      }
      // The room's password is not what we checked against: it was created or emptied meanwhile.
      if (outcome.current === null) {
        if (req.password) throw notProtected(room);
        expect = create = null;
      } else {
        if (!req.password) throw new AppError(ErrorCode.BAD_PASSWORD, 'This room needs a password');
        expect = create = await check(outcome.current);
      }
    }
    throw AppError.unavailable();
  }

  private result(room: string, self: Peer, members: Peer[], token: string, resumed: boolean, hasPassword: boolean): JoinResult {
    return {
      hasPassword,
      room,
      self,
      members,
      iceServers: this.o.iceServersFor(self.id),
      resumeToken: token,
      resumeGraceMs: this.o.resumeGraceMs,
      resumed,
    };
  }

  /**
   * The member resumed on another connection while this one was still open (its close is
   * on its way, maybe from another node): this connection speaks for nobody now. It loses
   * its binding, so its own disconnect cannot release the member, and is closed once the
   * error was answered.
   */
  private replaced(socket: MemberConnection): AppError {
    const b = socket.data.binding;
    socket.data.binding = null;
    if (b) void socket.leave(b.channel);
    return AppError.sessionReplaced();
  }

  private bound(socket: MemberConnection) {
    const b = socket.data.binding;
    if (!b) throw AppError.notInRoom();
    return b;
  }

  private assertOpen(): void {
    if (this.closing) throw new AppError(ErrorCode.UNAVAILABLE, 'The server is shutting down; reconnect to another');
  }

  /** Store failures (Redis down) surface as `UNAVAILABLE`, never as a crash or a hang. */
  private async db<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof AppError) throw err;
      this.o.log.warn({ err }, 'room store operation failed');
      throw AppError.unavailable(err);
    }
  }
}
