import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { RedisClients } from '../redis.js';
import { RoomWatches, type JoinGap } from '../rooms/join-gap.js';
import { MembershipView, type MemberEvent } from '../rooms/membership-view.js';
import { RelayService } from '../rooms/relay-service.js';
import { roomChannel } from '../rooms/room-service.js';
import type { ActivityNotice, RoomNotice } from '../rooms/room-notifier.js';
import type { Publication, RoomStore } from '../rooms/room-store.js';
import { NodeRelayLimits } from './relay-limits.js';
import { tellRoomHere } from './room-notifier.js';
import { classicDelivery, localDelivery, shardedDelivery, shardedMessages } from './socket-delivery.js';
import { watchSubscriber, type SubscriberHealth } from './subscriber-health.js';
import type { MeshServer } from './types.js';

/** How often rooms without a socket on this node are dropped from the view, ms. */
const PRUNE_EVERY_MS = 5000;

/** What {@link createRelayPath} builds. */
export interface RelayPath {
  relays: RelayService;
  view: MembershipView;
  limits: NodeRelayLimits;
  /** For `RoomService`: applies a binding change here, tells the room's clients here, and sends both to the other nodes (unless the store did). */
  onMemberChange: (ev: MemberEvent, notice?: RoomNotice, sent?: { announced: boolean }) => void;
  /** For `RoomService`: a join's `member` event as the store can publish it with the insert; undefined without the sharded adapter. */
  announcement: ((ev: MemberEvent, notice: RoomNotice) => Publication) | undefined;
  /** For `RoomService`: a member changed its state or chatted; tells the room's clients here and the other nodes. */
  onActivity: (room: string, notice: ActivityNotice) => void;
  /** For `RoomService`: closes a join's or a resume's gap from what this node heard in it, without a second read. */
  joinGap: JoinGap;
  /** The adapter's Redis subscriber; null without Redis. */
  subscriber: SubscriberHealth | null;
  close(): void;
}

function isMemberEvent(ev: unknown): ev is MemberEvent {
  const e = ev as Partial<Record<string, unknown>> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.room === 'string' &&
    typeof e.id === 'string' &&
    ((e.kind === 'gone' && true) || (e.kind === 'bound' && (typeof e.socketId === 'string' || e.socketId === null)))
  );
}

/** A member event as nodes send it: the change, and what the room's clients hear of it. */
type AnnouncedChange = MemberEvent & { notice?: RoomNotice };

/** The `member` event's payload, the same whether the node or the store's join script publishes it. */
function announced(ev: MemberEvent, notice: RoomNotice | undefined): AnnouncedChange {
  return notice ? { ...ev, notice } : ev;
}

/** Whether another node's `notice` has the shape {@link tellRoomHere} needs (nodes run the same code; this guards a mixed deployment). */
function isRoomNotice(n: unknown): n is RoomNotice {
  const o = n as Partial<Record<string, unknown>> | null;
  if (typeof o !== 'object' || o === null || typeof o.channel !== 'string') return false;
  const payload = o.payload as { id?: unknown } | null;
  if (typeof payload !== 'object' || payload === null || typeof payload.id !== 'string') return false;
  return ((o.event === 'peer:joined' || o.event === 'peer:updated') && typeof o.except === 'string') || o.event === 'peer:left' || o.event === 'chat:message';
}

/**
 * Wires the `signal` relay path of one node and the rooms' notices: the membership view
 * kept current by every node's member events, which carry the rooms' `peer:joined` and
 * `peer:left` (all room notices go with `io.serverSideEmit` on the one channel every node
 * subscribes to, so every node hears them in publication order and tells its own clients),
 * cross-node delivery with a receipt, the node's relay budget, and the watch on the
 * adapter's subscriber.
 */
export function createRelayPath(o: { io: MeshServer; config: Config; redis: RedisClients | null; store: RoomStore; metrics: Metrics; log: FastifyBaseLogger }): RelayPath {
  const { io, redis } = o;
  const view = new MembershipView();
  const limits = new NodeRelayLimits(o.config.relayMaxInFlight, o.config.relayMaxLoopDelayMs);
  const channelPrefix = `${o.config.redisPrefix}sio`;
  const sharded = redis && o.config.socketioAdapter === 'sharded' ? shardedMessages(io, channelPrefix) : null;
  const remote = redis ? (sharded ? shardedDelivery(sharded, redis.main) : classicDelivery(io)) : null;
  const relays = new RelayService({ store: o.store, local: localDelivery(io), view, metrics: o.metrics, log: o.log, remote, limits });

  const watches = new RoomWatches();
  /** A room notice reached this node (its own or another's): joins in their gap note it, the room's clients here hear it. */
  const hear = (room: string, notice: RoomNotice) => {
    watches.saw(room, notice);
    tellRoomHere(io, notice);
  };
  let subscriber: SubscriberHealth | null = null;
  if (redis) {
    io.on('member', (ev: unknown) => {
      if (!isMemberEvent(ev)) return;
      view.apply(ev);
      const notice = (ev as AnnouncedChange).notice;
      if (isRoomNotice(notice)) hear(ev.room, notice);
    });
    // A member of a room changed its state or chatted, on another node.
    io.on('room:notice', (ev: unknown) => {
      const e = ev as { room?: unknown; notice?: unknown } | null;
      if (typeof e?.room === 'string' && isRoomNotice(e.notice)) hear(e.room, e.notice);
    });
    io.on('members:reset', () => {
      view.clear();
      watches.lostAll();
    });
    // While the subscriber is cut off, other nodes' events are lost: every lookup goes to the store.
    subscriber = watchSubscriber(redis.sub, {
      metrics: o.metrics,
      log: o.log,
      onDown: () => {
        view.setEnabled(false);
        watches.lostAll();
      },
      onUp: () => {
        view.setEnabled(true);
        watches.lostAll();
      },
    });
    // Events this node sent while its command connection was down never left: others drop their views.
    let mainDown = false;
    redis.main.on('close', () => (mainDown = true));
    redis.main.on('ready', () => {
      if (!mainDown) return;
      mainDown = false;
      view.clear();
      io.serverSideEmit('members:reset');
    });
  }
  const prune = setInterval(() => {
    const local = io.of('/').adapter.rooms;
    view.prune((room) => local.has(roomChannel(room)));
  }, PRUNE_EVERY_MS);
  prune.unref();

  return {
    relays,
    view,
    limits,
    subscriber,
    onMemberChange: (ev, notice, sent) => {
      view.apply(ev, true);
      if (notice) hear(ev.room, notice);
      // One publication carries both: every node applies the change before its clients hear of it.
      if (redis && !sent?.announced) io.serverSideEmit('member', announced(ev, notice));
    },
    announcement: sharded ? (ev, notice) => sharded.announcement('member', announced(ev, notice)) : undefined,
    onActivity: (room, notice) => {
      hear(room, notice);
      if (redis) io.serverSideEmit('room:notice', { room, notice });
    },
    joinGap: {
      watch: (room, self) => watches.watch(room, self),
      watchAny: () => watches.watchAny(),
      // Without Redis every notice is this node's own, heard synchronously.
      trusted: () => subscriber?.isUp() ?? true,
    },
    close: () => {
      clearInterval(prune);
      limits.stop();
    },
  };
}
