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
import type { JoinInput, JoinOutcome, ResumeInput, ResumeOutcome } from './room-store.js';

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
 * relay-setup.ts wires it. `inGap` runs once, right after the store answered the next
 * join or resume (made with `joinWithGap`, `resumeWithGap`) and before its socket is in
 * the room's channel: what happens elsewhere in that gap.
 */
function node(inGap: (gap: Gap) => Promise<void>) {
  const watches = new RoomWatches();
  const store = new MemoryRoomStore('n1');
  let armed = false;
  const thenGap = async <T>(outcome: T): Promise<T> => {
    if (armed) {
      armed = false;
      await inGap({ store, watches });
    }
    return outcome;
  };
  const storeJoin = store.join.bind(store);
  store.join = async (input: JoinInput): Promise<JoinOutcome> => thenGap(await storeJoin(input));
  const storeResume = store.resume.bind(store);
  store.resume = async (input: ResumeInput): Promise<ResumeOutcome | null> => thenGap(await storeResume(input));
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
    gap: { watch: (room, self) => watches.watch(room, self), watchAny: () => watches.watchAny(), trusted: () => state.trusted },
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
    /** Joins, then loses the connection: the member waits in its grace window. */
    joinAndDrop: async (id: string, nick: string) => {
      const socket = connection(id);
      const { resumeToken, self } = await service.join(socket, { room: 'r', nick });
      await service.disconnected(socket);
      return { token: resumeToken, id: self.id };
    },
    /** Resumes on a new connection `id`, with `inGap` armed for the store's answer. */
    resumeWithGap: (id: string, token: string) => {
      armed = true;
      return service.resume(connection(id), token);
    },
    /** Notices kept for resumes still in their gap. */
    heldForResumes: () => watches.heldForResumes,
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

describe('RoomService: what a resume learns of its gap', () => {
  const channel = roomChannel('r');

  it('replays who joined, who left and what changed in its gap, without reading the store again', async () => {
    let annId = '';
    let deeId = '';
    const n = node(async ({ store, watches }) => {
      await cyInStore(store);
      watches.saw('r', cyJoined);
      await store.leave('r', deeId, 'dee');
      watches.saw('r', { event: 'peer:left', channel, payload: { id: deeId, reason: 'left' } });
      watches.saw('r', { event: 'peer:updated', channel, payload: { id: annId, mic: true }, except: 'ann' });
    });
    annId = (await n.join('ann', 'Ann')).self.id;
    deeId = (await n.join('dee', 'Dee')).self.id;
    const { token } = await n.joinAndDrop('bo', 'Bo');
    const bo = await n.resumeWithGap('bo-again', token);
    expect(bo.resumed).toBe(true);
    expect(bo.members.map((p) => [p.nick, p.mic])).toEqual([['Ann', true]]);
    expect(n.told).toEqual([{ to: 'bo-again', peer: cy }]);
    expect(n.reads()).toBe(0);
    expect(n.heldForResumes()).toBe(0);
  });

  it('ignores what it heard of other rooms and of the resumed member itself', async () => {
    let boId = '';
    const n = node(async ({ watches }) => {
      watches.saw('elsewhere', { ...cyJoined, channel: roomChannel('elsewhere') });
      watches.saw('r', { event: 'peer:updated', channel, payload: { id: boId, cam: true }, except: 'bo' });
    });
    await n.join('ann', 'Ann');
    const dropped = await n.joinAndDrop('bo', 'Bo');
    boId = dropped.id;
    const bo = await n.resumeWithGap('bo-again', dropped.token);
    expect(bo.self.id).toBe(boId);
    expect(bo.members.map((p) => p.nick)).toEqual(['Ann']);
    expect(n.told).toEqual([]);
  });

  it('reads the member list again when events may have been lost during its gap', async () => {
    const n = node(async ({ store, watches }) => {
      await cyInStore(store);
      watches.lostAll();
    });
    await n.join('ann', 'Ann');
    const { token } = await n.joinAndDrop('bo', 'Bo');
    const bo = await n.resumeWithGap('bo-again', token);
    expect(bo.members.map((p) => p.nick)).toEqual(['Ann']);
    expect(n.told).toEqual([{ to: 'bo-again', peer: cy }]);
    expect(n.reads()).toBe(1);
  });
});
