import { describe, expect, it, vi } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { ErrorCode } from '@meshmeet/protocol';
import { Metrics } from '../metrics.js';
import { MembershipView } from './membership-view.js';
import { RelayService, type LocalDelivery } from './relay-service.js';
import type { MemberConnection } from './room-notifier.js';
import type { RoomStore } from './room-store.js';

const ROOM = 'r';
const connection = (id: string, member: string) =>
  ({ id, connected: true, data: { binding: { room: ROOM, channel: `room:${ROOM}`, id: member, nick: member }, address: '127.0.0.1' }, join: () => undefined, leave: () => undefined, disconnect: () => undefined }) as unknown as MemberConnection;

/** A relay service over a real view, a store that knows `sockets` (member → socket) and one node. */
function service(sockets: Record<string, string>) {
  const view = new MembershipView();
  const getMember = vi.fn(async (_room: string, id: string) => (sockets[id] ? ({ id, nick: id, socketId: sockets[id] } as never) : null));
  const delivered: string[] = [];
  const local: LocalDelivery = { toMember: (socketId) => (delivered.push(socketId), 'delivered') };
  const relays = new RelayService({
    store: { getMember } as unknown as RoomStore,
    local,
    view,
    metrics: new Metrics(),
    log: { warn: () => undefined } as unknown as FastifyBaseLogger,
    remote: null,
    limits: { inFlight: 0, maxInFlight: 100, overloaded: () => false },
  });
  return { relays, view, getMember, delivered };
}

describe('RelayService: who may send', () => {
  it('asks the store, not a view that is behind, before refusing a sender as replaced', async () => {
    // This node bound A to `a-new`; then another node's event about A's older binding (a
    // resume there whose connection dropped) arrived late and put `a-old` in the view.
    const { relays, view, getMember, delivered } = service({ A: 'a-new', B: 'b' });
    view.apply({ kind: 'bound', room: ROOM, id: 'A', socketId: 'a-new' }, true);
    view.apply({ kind: 'bound', room: ROOM, id: 'B', socketId: 'b' });
    view.apply({ kind: 'bound', room: ROOM, id: 'A', socketId: 'a-old' });

    await relays.relay(connection('a-new', 'A'), { to: 'B', data: { n: 1 } }, 50);
    expect(delivered).toEqual(['b']);
    expect(getMember).toHaveBeenCalledWith(ROOM, 'A');
    // The store's answer is kept: the next relay needs no lookup.
    getMember.mockClear();
    await relays.relay(connection('a-new', 'A'), { to: 'B', data: { n: 2 } }, 50);
    expect(getMember).not.toHaveBeenCalled();
  });

  it('refuses a connection the store says was replaced', async () => {
    const { relays, view, delivered } = service({ A: 'a-new', B: 'b' });
    view.apply({ kind: 'bound', room: ROOM, id: 'A', socketId: 'a-new' }, true);
    view.apply({ kind: 'bound', room: ROOM, id: 'B', socketId: 'b' });
    await expect((async () => relays.relay(connection('a-old', 'A'), { to: 'B', data: {} }, 50))()).rejects.toMatchObject({ code: ErrorCode.SESSION_REPLACED });
    expect(delivered).toEqual([]);
  });
});
