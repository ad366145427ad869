import { afterEach, describe, expect, it, vi } from 'vitest';
import { Mesh, type MeshOptions } from './mesh';
import {
  FakePeerConnection,
  FakeSignalingBus,
  FakeStream,
  FakeTrack,
  asStream,
  asTrack,
  createFakePeerConnection,
  createFakeStream,
  fakeConnections,
  settle,
  type FakeTransceiver,
} from '../../test/media/fakes';

function camera(): FakeStream {
  return new FakeStream([new FakeTrack('audio'), new FakeTrack('video')]);
}

function mesh(bus: FakeSignalingBus, id: string, local: FakeStream | null, extra: Partial<MeshOptions> = {}): Mesh {
  return new Mesh({
    selfId: id,
    signaling: bus.endpoint(id),
    iceServers: [],
    localStream: local ? asStream(local) : null,
    deps: { createPeerConnection: createFakePeerConnection, createMediaStream: createFakeStream },
    ...extra,
  });
}

const fake = (m: Mesh, id: string) => m.peerConnections().get(id) as unknown as FakePeerConnection;
const trackIds = (s: MediaStream | null | undefined) => (s ? s.getTracks().map((t) => t.id).sort() : []);
const unnegotiated = (pc: FakePeerConnection) => pc.getTransceivers().filter((t) => t.mid === null).length;
/** The microphone's transceiver of `m`'s connection to `id` (the first audio one). */
const audioSender = (m: Mesh, id: string) => fake(m, id).getTransceivers().find((t) => t.receiver.track.kind === 'audio')!;

/** `newcomer` joins a room where `existing` already is, as the app wires it. */
async function connect(existing: Mesh, newcomer: Mesh): Promise<void> {
  existing.addPeer(newcomer.selfId, { initiator: false });
  newcomer.addPeer(existing.selfId, { initiator: true });
  await settle();
}

afterEach(() => {
  vi.restoreAllMocks();
  fakeConnections.length = 0;
});

describe('mesh: first connection', () => {
  it('the newcomer offers, the existing member only answers, and both get camera + mic', async () => {
    const bus = new FakeSignalingBus();
    const aCam = camera();
    const bCam = camera();
    const a = mesh(bus, 'a', aCam);
    const b = mesh(bus, 'b', bCam);
    await connect(a, b);

    expect(bus.descriptions()).toEqual(['b:offer', 'a:answer']);
    for (const [m, other] of [[a, 'b'], [b, 'a']] as const) {
      expect(fake(m, other).signalingState).toBe('stable');
      expect(fake(m, other).connectionState).toBe('connected');
    }
    // Each side's camera stream holds exactly the other side's two tracks (as received).
    expect(a.media('b')?.camera?.getTracks().map((t) => t.kind).sort()).toEqual(['audio', 'video']);
    expect(b.media('a')?.camera?.getTracks().map((t) => t.kind).sort()).toEqual(['audio', 'video']);
    // The existing member attached its own tracks to the transceivers the offer created.
    const aSenders = fake(a, 'b').getSenders().map((s) => s.track?.id).sort();
    expect(aSenders).toEqual(trackIds(asStream(aCam)));
  });

  it('a receive-only newcomer still receives audio and video', async () => {
    const bus = new FakeSignalingBus();
    const a = mesh(bus, 'a', camera());
    const b = mesh(bus, 'b', null);
    await connect(a, b);

    const bPc = fake(b, 'a');
    expect(bPc.getTransceivers().map((t) => t.direction)).toEqual(['recvonly', 'recvonly']);
    expect(b.media('a')?.camera?.getTracks().map((t) => t.kind).sort()).toEqual(['audio', 'video']);
    expect(a.media('b')?.camera ?? null).toBeNull();
    expect(bPc.connectionState).toBe('connected');
  });

  it('queues ICE candidates that arrive before the offer and adds them after it', async () => {
    const bus = new FakeSignalingBus();
    const b = mesh(bus, 'b', camera());
    // Capture b's offer and candidate instead of delivering them.
    bus.drop = () => true;
    b.addPeer('a', { initiator: true });
    await settle();
    const offer = bus.log.find((m) => 'description' in m.data)!;
    const candidate = bus.log.find((m) => 'candidate' in m.data)!;
    expect(offer && candidate).toBeTruthy();

    const a = mesh(new FakeSignalingBus(), 'a', camera());
    const errors: unknown[] = [];
    a.on('error', (e) => errors.push(e));
    // Deliver candidate first, then the offer, through a's own signaling listener.
    const deliver = (a as unknown as { onSignal(from: string, data: unknown): void }).onSignal.bind(a);
    deliver('b', candidate.data);
    await settle();
    const pc = fake(a, 'b');
    expect(pc.added).toHaveLength(0);
    deliver('b', offer.data);
    await settle();
    expect(pc.added.map((c) => c.candidate)).toEqual([(candidate.data.candidate as { candidate: string }).candidate]);
    expect(errors).toEqual([]);
  });
});

describe('mesh: glare', () => {
  it('both sides renegotiating at once ends with both stable and every m-line negotiated', async () => {
    const bus = new FakeSignalingBus();
    const a = mesh(bus, 'a', camera()); // 'a' < 'b': a is the polite side
    const b = mesh(bus, 'b', camera());
    await connect(a, b);
    bus.log.length = 0;

    const aShare = new FakeStream([new FakeTrack('video', 'screen-a')]);
    const bShare = new FakeStream([new FakeTrack('video', 'screen-b')]);
    a.setRemoteShare('b', true, bShare.id);
    b.setRemoteShare('a', true, aShare.id);
    a.startShare(asStream(aShare));
    b.startShare(asStream(bShare));
    await settle(60);

    const seq = bus.descriptions();
    // Both offers were out before any answer: a real collision.
    expect(seq.slice(0, 2).sort()).toEqual(['a:offer', 'b:offer']);
    // The impolite side (b) ignored a's offer; the polite side (a) answered b's first.
    expect(seq.indexOf('a:answer')).toBeLessThan(seq.indexOf('b:answer'));
    expect(fake(a, 'b').signalingLog).toContain('have-remote-offer');
    for (const [m, other] of [[a, 'b'], [b, 'a']] as const) {
      const pc = fake(m, other);
      expect(pc.signalingState).toBe('stable');
      expect(unnegotiated(pc)).toBe(0);
    }
    expect(trackIds(a.media('b')?.share)).toHaveLength(1);
    expect(trackIds(b.media('a')?.share)).toHaveLength(1);
    // Camera streams are untouched by the shares.
    expect(a.media('b')?.camera?.getVideoTracks()).toHaveLength(1);
  });
});

describe('mesh: screen share', () => {
  it('reaches current peers and later joiners, and goes away on stop', async () => {
    const bus = new FakeSignalingBus();
    const a = mesh(bus, 'a', camera());
    const b = mesh(bus, 'b', camera());
    await connect(a, b);

    const share = new FakeStream([new FakeTrack('video', 'screen')]);
    b.setRemoteShare('a', true, share.id);
    a.startShare(asStream(share));
    await settle();
    expect(b.media('a')?.share?.getVideoTracks()).toHaveLength(1);
    expect(b.media('a')?.camera?.getVideoTracks()).toHaveLength(1);

    // A late joiner gets the share too (a is the existing member: it answers first, then offers the share).
    const c = mesh(bus, 'c', camera());
    c.setRemoteShare('a', true, share.id);
    await connect(a, c);
    await settle();
    expect(c.media('a')?.share?.getVideoTracks()).toHaveLength(1);
    expect(fake(c, 'a').signalingState).toBe('stable');

    a.stopShare();
    b.setRemoteShare('a', false, null);
    await settle();
    expect(b.media('a')?.share ?? null).toBeNull();
    expect(b.media('a')?.camera?.getVideoTracks()).toHaveLength(1);
    const aToB = fake(a, 'b').getTransceivers() as FakeTransceiver[];
    expect(aToB.filter((t) => t.currentDirection === 'stopped')).toHaveLength(1);
    // The share's own tracks are the caller's: the mesh does not stop them.
    expect(share.getTracks()[0]!.readyState).toBe('live');
  });

  it('does not show an unannounced extra track as the camera', async () => {
    const bus = new FakeSignalingBus();
    const a = mesh(bus, 'a', camera());
    const b = mesh(bus, 'b', camera());
    await connect(a, b);
    const cameraBefore = b.media('a')?.camera;
    a.startShare(asStream(new FakeStream([new FakeTrack('video', 'screen')])));
    await settle();
    expect(b.media('a')?.camera).toBe(cameraBefore);
    expect(b.media('a')?.share ?? null).toBeNull();
  });
});

describe('mesh: local tracks', () => {
  it('switches and mutes tracks with replaceTrack, without renegotiating', async () => {
    const bus = new FakeSignalingBus();
    const aCam = camera();
    const a = mesh(bus, 'a', aCam);
    const b = mesh(bus, 'b', camera());
    await connect(a, b);
    const before = bus.descriptions().length;

    const other = new FakeTrack('video', 'back camera');
    await a.replaceTrack('video', asTrack(other));
    expect(fake(a, 'b').getSenders().some((s) => s.track === other)).toBe(true);
    await a.replaceTrack('video', null);
    expect(fake(a, 'b').getSenders().filter((s) => s.track?.kind === 'video')).toHaveLength(0);
    await settle();
    expect(bus.descriptions().length).toBe(before);
  });

  it('a receive-only participant who turns the camera on starts sending (one renegotiation)', async () => {
    const bus = new FakeSignalingBus();
    const a = mesh(bus, 'a', camera());
    const b = mesh(bus, 'b', null);
    await connect(a, b);
    expect(a.media('b')?.camera ?? null).toBeNull();

    await b.replaceTrack('video', asTrack(new FakeTrack('video', 'late camera')));
    await settle();
    expect(a.media('b')?.camera?.getVideoTracks()).toHaveLength(1);
    expect(fake(b, 'a').signalingState).toBe('stable');
  });
});

describe('mesh: a muted microphone', () => {
  it('is on a sending transceiver with no track, and unmuting puts it back without renegotiating', async () => {
    const bus = new FakeSignalingBus();
    const aCam = camera();
    const mic = asStream(aCam).getAudioTracks()[0]!;
    const a = mesh(bus, 'a', aCam, { micMuted: true });
    const b = mesh(bus, 'b', camera());
    const c = mesh(bus, 'c', camera());
    await connect(a, b); // a answers b's offer
    await connect(c, a); // a offers to c
    const before = bus.descriptions().length;

    for (const peer of ['b', 'c']) {
      expect(audioSender(a, peer).sender.track).toBeNull();
      expect(audioSender(a, peer).direction).toBe('sendrecv');
    }
    // The others already have a's audio track (in a's stream, for lip sync), silent for now.
    expect(b.media('a')?.camera?.getAudioTracks()).toHaveLength(1);
    expect(c.media('a')?.camera?.getAudioTracks()).toHaveLength(1);

    await a.setMicMuted(false);
    for (const peer of ['b', 'c']) expect(audioSender(a, peer).sender.track).toBe(mic);
    await a.setMicMuted(true);
    for (const peer of ['b', 'c']) expect(audioSender(a, peer).sender.track).toBeNull();
    await settle();
    expect(bus.descriptions().length).toBe(before);
  });

  it('stays muted across a microphone switch, and later joiners get it muted too', async () => {
    const bus = new FakeSignalingBus();
    const a = mesh(bus, 'a', camera());
    const b = mesh(bus, 'b', camera());
    await connect(a, b);
    await a.setMicMuted(true);
    const headset = new FakeTrack('audio', 'headset');
    await a.replaceTrack('audio', asTrack(headset));
    expect(audioSender(a, 'b').sender.track).toBeNull();

    const c = mesh(bus, 'c', camera());
    await connect(a, c);
    expect(audioSender(a, 'c').sender.track).toBeNull();
    await a.setMicMuted(false);
    expect(audioSender(a, 'b').sender.track).toBe(headset);
    expect(audioSender(a, 'c').sender.track).toBe(headset);
  });
});

describe('mesh: leaving and robustness', () => {
  it('removePeer closes the connection and ignores late signals from that peer', async () => {
    const bus = new FakeSignalingBus();
    const a = mesh(bus, 'a', camera());
    const b = mesh(bus, 'b', camera());
    await connect(a, b);
    const pc = fake(a, 'b');
    const count = fakeConnections.length;

    a.removePeer('b');
    expect(pc.signalingState).toBe('closed');
    expect(a.has('b')).toBe(false);
    b.restartStalled(); // nothing to restart: connected
    await bus.endpoint('b').send('a', { candidate: { candidate: 'candidate:late', sdpMid: '0', sdpMLineIndex: 0 } });
    await settle();
    expect(a.has('b')).toBe(false);
    expect(fakeConnections.length).toBe(count);
  });

  it('close() closes every connection and leaves local tracks running', async () => {
    const bus = new FakeSignalingBus();
    const aCam = camera();
    const a = mesh(bus, 'a', aCam);
    await connect(a, mesh(bus, 'b', camera()));
    await connect(a, mesh(bus, 'c', camera()));
    const pcs = [...a.peerConnections().values()] as unknown as FakePeerConnection[];
    expect(pcs).toHaveLength(2);
    a.close();
    expect(pcs.map((p) => p.signalingState)).toEqual(['closed', 'closed']);
    expect(aCam.getTracks().map((t) => t.readyState)).toEqual(['live', 'live']);
  });

  it('listeners that throw are reported and do not break the connection', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const bus = new FakeSignalingBus();
    const a = mesh(bus, 'a', camera());
    const b = mesh(bus, 'b', camera());
    const seen: string[] = [];
    for (const m of [a, b]) {
      m.on('media', () => {
        throw new Error('boom in media listener');
      });
      m.on('connectionState', () => {
        throw new Error('boom in state listener');
      });
      m.on('media', (id) => seen.push(id)); // a later listener still runs
    }
    await connect(a, b);
    expect(fake(a, 'b').connectionState).toBe('connected');
    expect(fake(b, 'a').connectionState).toBe('connected');
    expect(b.media('a')?.camera?.getTracks()).toHaveLength(2);
    expect(seen).toContain('a');
    expect(consoleError.mock.calls.some((c) => String(c[1]).includes('boom'))).toBe(true);
  });

  it('drops a malformed signal without creating a connection', async () => {
    const bus = new FakeSignalingBus();
    const a = mesh(bus, 'a', camera());
    const errors: unknown[] = [];
    a.on('error', (e) => errors.push(e));
    await bus.endpoint('x').send('a', { description: { type: 'nonsense' } });
    await bus.endpoint('x').send('a', { hello: 'world' });
    await settle();
    expect(a.has('x')).toBe(false);
    expect(errors).toHaveLength(2);
  });
});

describe('mesh: recovery', () => {
  it('restarts ICE when a connection fails, and reconnects', async () => {
    const bus = new FakeSignalingBus();
    const opts = { iceRestart: { baseDelayMs: 200, maxDelayMs: 1000, maxAttempts: 3, disconnectedGraceMs: 5 } };
    const a = mesh(bus, 'a', camera(), opts);
    const b = mesh(bus, 'b', camera(), opts);
    await connect(a, b);
    const pc = fake(b, 'a');
    const offers = bus.descriptions().filter((d) => d.endsWith('offer')).length;

    pc.setConnectionState('failed');
    expect(pc.restartCount).toBe(0); // not at once: backoff
    await vi.waitFor(
      () => {
        expect(pc.connectionState).toBe('connected');
        expect(pc.signalingState).toBe('stable');
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(pc.restartCount).toBe(1);
    expect(bus.descriptions().filter((d) => d.endsWith('offer')).length).toBe(offers + 1);
  });

  it('gives up after the bounded number of restarts and says so', async () => {
    const bus = new FakeSignalingBus();
    const opts = { iceRestart: { baseDelayMs: 2, maxDelayMs: 4, maxAttempts: 2, disconnectedGraceMs: 2 } };
    const a = mesh(bus, 'a', camera(), opts);
    const b = mesh(bus, 'b', camera(), opts);
    await connect(a, b);
    const errors: string[] = [];
    b.on('error', (e) => errors.push(String(e)));
    bus.drop = () => true; // the network is gone: no restart can succeed
    const pc = fake(b, 'a');
    pc.setConnectionState('failed');
    await vi.waitFor(() => expect(errors.some((e) => e.includes('gave up'))).toBe(true), { timeout: 10_000, interval: 10 });
    expect(pc.restartCount).toBe(2);
  });

  it('rolls back and re-offers when an offer is lost', async () => {
    const bus = new FakeSignalingBus();
    const a = mesh(bus, 'a', camera(), { offerTimeoutMs: 150 });
    const b = mesh(bus, 'b', camera(), { offerTimeoutMs: 150 });
    let dropped = 0;
    bus.drop = (m) => 'description' in m.data && dropped++ === 0;
    await connect(a, b);
    await vi.waitFor(() => expect(fake(b, 'a').connectionState).toBe('connected'), { timeout: 10_000, interval: 20 });
    expect(bus.descriptions().slice(0, 3)).toEqual(['b:offer', 'b:offer', 'a:answer']);
    expect(a.media('b')?.camera?.getTracks()).toHaveLength(2);
  });
});

describe('mesh: a pair whose negotiation jams is rebuilt', () => {
  it('a refused answer (rollback refused too): a new connection to the same participant carries camera and share', async () => {
    const bus = new FakeSignalingBus();
    const a = mesh(bus, 'a', camera());
    const b = mesh(bus, 'b', camera());
    await connect(a, b);
    const oldA = fake(a, 'b');
    const oldB = fake(b, 'a');
    const rebuilt: string[] = [];
    a.on('rebuilt', (id, generation, initiator) => rebuilt.push(`a->${id}:${generation}:${initiator}`));
    b.on('rebuilt', (id, generation, initiator) => rebuilt.push(`b->${id}:${generation}:${initiator}`));

    // Chromium's behaviour: the answer to the share offer is refused, and so is every later step.
    oldA.refuseNextAnswer = true;
    const share = new FakeStream([new FakeTrack('video', 'screen')]);
    b.setRemoteShare('a', true, share.id);
    a.startShare(asStream(share));
    await settle();

    expect(rebuilt).toEqual(['a->b:1:true', 'b->a:1:false']);
    const newA = fake(a, 'b');
    const newB = fake(b, 'a');
    expect(newA).not.toBe(oldA);
    expect(newB).not.toBe(oldB);
    expect([oldA.signalingState, oldB.signalingState]).toEqual(['closed', 'closed']);
    expect([newA.signalingState, newB.signalingState]).toEqual(['stable', 'stable']);
    expect(newA.connectionState).toBe('connected');
    expect(a.peerIds()).toEqual(['b']);
    expect(b.media('a')?.share?.getVideoTracks()).toHaveLength(1);
    expect(b.media('a')?.camera?.getTracks()).toHaveLength(2);
    expect(a.media('b')?.camera?.getTracks()).toHaveLength(2);
    // Every signal after the rebuild belongs to the new connections.
    const afterRebuild = bus.log.slice(bus.log.findIndex((m) => m.data.generation === 1));
    expect(afterRebuild.every((m) => m.data.generation === 1)).toBe(true);

    // Later renegotiation works on the new pair, from either side.
    const bShare = new FakeStream([new FakeTrack('video', 'screen')]);
    a.setRemoteShare('b', true, bShare.id);
    b.startShare(asStream(bShare));
    await settle();
    expect(a.media('b')?.share?.getVideoTracks()).toHaveLength(1);
    a.stopShare();
    b.setRemoteShare('a', false, null);
    await settle();
    expect(b.media('a')?.share ?? null).toBeNull();
    expect([newA.signalingState, newB.signalingState]).toEqual(['stable', 'stable']);
    expect(fake(a, 'b')).toBe(newA);
  });

  it('a muted microphone stays off the sender of the connection that replaces a jammed one', async () => {
    const bus = new FakeSignalingBus();
    const aCam = camera();
    const a = mesh(bus, 'a', aCam);
    const b = mesh(bus, 'b', camera());
    await connect(a, b);
    await a.setMicMuted(true);
    const old = fake(a, 'b');
    old.refuseNextAnswer = true;
    const share = new FakeStream([new FakeTrack('video', 'screen')]);
    b.setRemoteShare('a', true, share.id);
    a.startShare(asStream(share));
    await settle();

    expect(fake(a, 'b')).not.toBe(old);
    expect(audioSender(a, 'b').sender.track).toBeNull();
    expect(audioSender(a, 'b').direction).toBe('sendrecv');
    await a.setMicMuted(false);
    expect(audioSender(a, 'b').sender.track).toBe(asStream(aCam).getAudioTracks()[0]);
  });

  it('an unanswered offer whose rollback fails: the watchdog rebuilds the pair and the share arrives', async () => {
    const bus = new FakeSignalingBus();
    const a = mesh(bus, 'a', camera(), { offerTimeoutMs: 100 });
    const b = mesh(bus, 'b', camera(), { offerTimeoutMs: 100 });
    await connect(a, b);
    const oldA = fake(a, 'b');
    // The share offer is lost on the way, and the watchdog's rollback is refused.
    let lost = false;
    bus.drop = (m) => {
      if (lost || m.from !== 'a' || !('description' in m.data)) return false;
      return (lost = true);
    };
    oldA.failNextRollback = true;
    const share = new FakeStream([new FakeTrack('video', 'screen')]);
    b.setRemoteShare('a', true, share.id);
    a.startShare(asStream(share));
    await vi.waitFor(() => expect(b.media('a')?.share?.getVideoTracks()).toHaveLength(1), { timeout: 10_000, interval: 20 });
    expect(lost).toBe(true);
    expect(fake(a, 'b')).not.toBe(oldA);
    expect(oldA.signalingState).toBe('closed');
    expect(b.media('a')?.camera?.getTracks()).toHaveLength(2);
  });

  it('a participant removed and met again gets a connection numbered above the old one', async () => {
    const bus = new FakeSignalingBus();
    const a = mesh(bus, 'a', camera());
    const b = mesh(bus, 'b', camera());
    await connect(a, b);
    // b dropped a (e.g. a missed resume) while a kept its connection: b's new offer must replace it.
    b.removePeer('a');
    const oldA = fake(a, 'b');
    b.addPeer('a', { initiator: true });
    await settle();
    expect(fake(a, 'b')).not.toBe(oldA);
    expect(fake(a, 'b').signalingState).toBe('stable');
    expect(a.media('b')?.camera?.getTracks()).toHaveLength(2);
    expect(b.media('a')?.camera?.getTracks()).toHaveLength(2);
  });
});
