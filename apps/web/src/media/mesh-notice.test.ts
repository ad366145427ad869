import { afterEach, describe, expect, it } from 'vitest';
import type { PeerNotice } from '@meshmeet/protocol';
import { Mesh } from './mesh';
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

afterEach(() => {
  fakeConnections.length = 0;
});

describe('mesh: video-budget notices', () => {
  it('delivers a peer notice to the other side as a `notice` event, outside negotiation', async () => {
    const bus = new FakeSignalingBus();
    const a = mesh(bus, 'a');
    const b = mesh(bus, 'b');
    a.addPeer('b', { initiator: false });
    b.addPeer('a', { initiator: true });
    await settle();
    const seen: [string, PeerNotice][] = [];
    const errors: unknown[] = [];
    a.on('notice', (from, n) => seen.push([from, n]));
    a.on('error', (e) => errors.push(e));
    const stateBefore = a.peerConnections().get('b')!.signalingState;
    b.sendNotice('a', { want: { maxHeight: 180 } });
    b.sendNotice('a', { sending: { active: false, height: 0, reason: 'uplink' } });
    await settle();
    expect(seen).toEqual([
      ['b', { want: { maxHeight: 180 } }],
      ['b', { sending: { active: false, height: 0, reason: 'uplink' } }],
    ]);
    expect(errors).toEqual([]);
    expect(a.peerConnections().get('b')!.signalingState).toBe(stateBefore);
  });

  it('ignores a notice from someone it has no connection with (it creates no responder)', async () => {
    const bus = new FakeSignalingBus();
    const a = mesh(bus, 'a');
    const seen: unknown[] = [];
    a.on('notice', (...x) => seen.push(x));
    await bus.endpoint('z').send('a', { want: { maxHeight: 90 } });
    await settle();
    expect(seen).toEqual([]);
    expect(a.has('z')).toBe(false);
  });
});
