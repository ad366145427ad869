import { describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { DEFAULT_MEDIA_STATE, type Peer } from '@meshmeet/protocol';
import { Metrics } from '../metrics.js';
import { MemoryFailureBudget } from '../security/failure-budget.js';
import { PasswordGuard } from '../security/password-guard.js';
import { RoomWatches } from './join-gap.js';
import { MemoryRoomStore } from './memory-store.js';
import type { MemberConnection, RoomNotice } from './room-notifier.js';
import { RoomService, roomChannel } from './room-service.js';
import type { JoinInput, JoinOutcome } from './room-store.js';

const quiet = { warn() {}, info() {}, debug() {}, error() {} } as unknown as FastifyBaseLogger;

function connection(id: string): MemberConnection {
  return { id, connected: true, data: { binding: null, address: '192.0.2.1' }, join() {}, leave() {}, disconnect() {} };
}

interface Gap {
  store: MemoryRoomStore;
  watches: RoomWatches;
}

/**
 * A node with one room service over a memory store, whose join gap is `RoomWatches`, as
 * relay-setup.ts wires it. `inGap` runs once, right after the next join's insert and
 * before its socket is in the room's channel: what happens elsewhere in that gap.
 */
function node(inGap: (gap: Gap) => Promise<void>) {
  const watches = new RoomWatches();
  const store = new MemoryRoomStore('n1');
  const storeJoin = store.join.bind(store);
  let armed = false;
  store.join = async (input: JoinInput): Promise<JoinOutcome> => {
    const outcome = await storeJoin(input);
    if (armed) {
      armed = false;
      await inGap({ store, watches });
    }
    return outcome;
  };
  let reads = 0;
  const storeList = store.list.bind(store);
  store.list = (room: string) => {
    reads++;
    return storeList(room);
  };
  const told: { to: string; peer: Peer }[] = [];
  const state = { trusted: true };
  const service = new RoomService({
    store,
    notify: { peerJoinedTo: (to, peer) => void told.push({ to, peer }), closeConnection() {}, localConnections: () => [] },
    metrics: new Metrics(),
    log: quiet,
    maxRoomSize: 8,
    resumeGraceMs: 1000,
    iceServersFor: () => [],
    passwords: new PasswordGuard({
      scryptConcurrency: 1,
      scryptQueue: 4,
      pendingPerAddress: 2,
      failures: new MemoryFailureBudget({ perAddress: 5, perRoom: 5, windowMs: 60_000 }),
    }),
    roomsPerAddressPerHour: 100,
    onMemberChange: (ev, notice) => notice && watches.saw(ev.room, notice),
    onActivity: (room, notice) => watches.saw(room, notice),
    gap: { watch: (room, self) => watches.watch(room, self), trusted: () => state.trusted },
  });
  return {
    state,
    told,
    reads: () => reads,
    join: (id: string, nick: string) => service.join(connection(id), { room: 'r', nick }),
    /** Joins with `inGap` armed for this join's insert. */
    joinWithGap: (id: string, nick: string) => {
      armed = true;
      return service.join(connection(id), { room: 'r', nick });
    },
  };
}

const cy: Peer = { ...DEFAULT_MEDIA_STATE, id: 'cy-id', nick: 'Cy' };
const cyInStore = (store: MemoryRoomStore) =>
  store.join({ room: 'r', peer: cy, socketId: 'cy-socket', tokenHash: 'cy', maxSize: 8, expectPassword: null, createPassword: null });
const cyJoined: RoomNotice = { event: 'peer:joined', channel: roomChannel('r'), payload: cy, except: 'cy-socket' };

describe('RoomService: what a join learns of its gap', () => {
  it('replays who joined in its gap, without reading the store again', async () => {
    const n = node(async ({ store, watches }) => {
      await cyInStore(store);
      watches.saw('r', cyJoined);
    });
    await n.join('ann', 'Ann');
    const bo = await n.joinWithGap('bo', 'Bo');
    expect(bo.members.map((p) => p.nick)).toEqual(['Ann']);
    expect(n.told).toEqual([{ to: 'bo', peer: cy }]);
    expect(n.reads()).toBe(0);
  });

  it('reads the member list again when this node may not be hearing other nodes', async () => {
    // Cy's notice never reaches this node: only the store knows.
    const n = node(async ({ store }) => void (await cyInStore(store)));
    await n.join('ann', 'Ann');
    n.state.trusted = false;
    const bo = await n.joinWithGap('bo', 'Bo');
    expect(bo.members.map((p) => p.nick)).toEqual(['Ann']);
    expect(n.told).toEqual([{ to: 'bo', peer: cy }]);
    expect(n.reads()).toBe(1);
  });

  it('reads the member list again when events may have been lost during its gap', async () => {
    // The subscriber was cut while Cy joined: the notice is lost, the cut is all this node learns.
    const n = node(async ({ store, watches }) => {
      await cyInStore(store);
      watches.lostAll();
    });
    await n.join('ann', 'Ann');
    const bo = await n.joinWithGap('bo', 'Bo');
    expect(bo.members.map((p) => p.nick)).toEqual(['Ann']);
    expect(n.told).toEqual([{ to: 'bo', peer: cy }]);
    expect(n.reads()).toBe(1);
  });
});
