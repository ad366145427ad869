import { afterEach, describe, expect, it } from 'vitest';
import { Mesh } from './mesh';
import { MeshBudget, wantedHeight } from './mesh-budget';
import { FakeSignalingBus, FakeStream, FakeTrack, asStream, createFakePeerConnection, createFakeStream, fakeConnections, settle } from '../../test/media/fakes';

function mesh(bus: FakeSignalingBus, id: string): Mesh {
  return new Mesh({
    selfId: id,
    signaling: bus.endpoint(id),
    iceServers: [],
    localStream: asStream(new FakeStream([new FakeTrack('audio'), new FakeTrack('video')])),
    deps: { createPeerConnection: createFakePeerConnection, createMediaStream: createFakeStream },
  });
}

const budgets: MeshBudget[] = [];
afterEach(() => {
  for (const b of budgets.splice(0)) b.close();
  fakeConnections.length = 0;
});

async function pair(opts: { senderBudget?: boolean } = {}) {
  const bus = new FakeSignalingBus();
  const a = mesh(bus, 'a');
  const b = mesh(bus, 'b');
  a.addPeer('b', { initiator: false });
  b.addPeer('a', { initiator: true });
  await settle();
  // Applying encodings is exercised in budget-controller.test.ts; here only the messages
  // matter, so the fake senders report no encodings (as before a negotiation completes).
  for (const m of [a, b]) {
    for (const pc of m.peerConnections().values()) {
      for (const sender of pc.getSenders()) Object.assign(sender, { getParameters: () => ({ encodings: [] }) });
    }
  }
  const ba = new MeshBudget(a, { intervalMs: 3_600_000 });
  const bb = opts.senderBudget === false ? null : new MeshBudget(b, { intervalMs: 3_600_000 });
  budgets.push(ba);
  if (bb) budgets.push(bb);
  // Let the first samples and notices go both ways, so the re-ask after a sender's first
  // notice is behind us.
  await bb?.controller.tick();
  await ba.controller.tick();
  await settle();
  const wants = () => bus.log.filter((m) => 'want' in m.data).map((m) => `${m.from}>${m.to}:${(m.data.want as { maxHeight: number }).maxHeight}`);
  return { bus, a, b, ba, bb, wants };
}

describe('MeshBudget', () => {
  it('rounds a tile height up to a ladder step', () => {
    expect(wantedHeight(0)).toBe(0);
    expect(wantedHeight(100)).toBe(120);
    expect(wantedHeight(181)).toBe(270);
    expect(wantedHeight(5000)).toBe(720);
  });

  it('asks a sender for what its tile shows, only when the step changes, and the sender takes it as a limit', async () => {
    const { ba, bb, wants } = await pair();
    ba.showTile('b', 170);
    ba.showTile('b', 175);
    ba.showTile('b', 600);
    await settle();
    expect(wants()).toEqual(['a>b:180', 'a>b:720']);
    await bb!.controller.tick();
    expect(bb!.outgoing('a')?.want).toEqual({ maxHeight: 720 });
  });

  it('asks every sender for no video under "Stop incoming video", and for the tile size again after', async () => {
    const { ba, wants } = await pair();
    ba.showTile('b', 300);
    ba.setIncomingVideoOff(true);
    ba.showTile('b', 500);
    ba.setIncomingVideoOff(false);
    await settle();
    expect(wants()).toEqual(['a>b:360', 'a>b:0', 'a>b:540']);
  });

  it('asks for nothing when the budget is off (the baseline)', async () => {
    const { a, wants } = await pair();
    const off = new MeshBudget(a, { enabled: false, intervalMs: 3_600_000 });
    budgets.push(off);
    off.showTile('b', 100);
    off.setIncomingVideoOff(true);
    await settle();
    expect(wants()).toEqual([]);
  });

  it('keeps what a sender says it sends, for the tile, and asks again after the first notice', async () => {
    const { b, ba, wants } = await pair({ senderBudget: false });
    ba.showTile('b', 100);
    b.sendNotice('a', { sending: { active: false, height: 0, reason: 'uplink' } });
    await settle();
    expect(ba.incoming('b')).toEqual({ active: false, height: 0, reason: 'uplink' });
    expect(wants()).toEqual(['a>b:120', 'a>b:120']);
  });

  it('decides for a new link as soon as it connects, without waiting for the periodic sample', async () => {
    const bus = new FakeSignalingBus();
    const a = mesh(bus, 'a');
    const b = mesh(bus, 'b');
    const ba = new MeshBudget(a, { intervalMs: 3_600_000 });
    budgets.push(ba);
    a.addPeer('b', { initiator: false });
    b.addPeer('a', { initiator: true });
    await settle();
    await settle();
    expect(ba.outgoing('b')).not.toBeNull();
  });
});
