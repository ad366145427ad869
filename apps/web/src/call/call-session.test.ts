import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallSession } from './call-session';
import type { OutgoingMedia } from './call-types';
import { FakeCallSignaling, fakePeer, joinAck } from '../../test/call/fake-call-signaling';
import { FakeStream, FakeTrack, asStream, asTrack, createFakePeerConnection, createFakeStream, fakeConnections, settle, type FakePeerConnection } from '../../test/media/fakes';

function setup() {
  const signaling = new FakeCallSignaling();
  const session = new CallSession({
    signaling,
    mesh: { deps: { createPeerConnection: createFakePeerConnection, createMediaStream: createFakeStream } },
  });
  const statuses: string[] = [];
  session.on('status', (s) => statuses.push(s));
  return { signaling, session, statuses };
}

function camera(micOn = true): OutgoingMedia & { tracks: FakeTrack[] } {
  const tracks = [new FakeTrack('audio'), new FakeTrack('video')];
  const stream = asStream(new FakeStream(tracks));
  return { stream, audio: asTrack(tracks[0]!), video: asTrack(tracks[1]!), micOn, tracks };
}

const pcTo = (session: CallSession, id: string) => session.peerConnections().get(id) as unknown as FakePeerConnection | undefined;

afterEach(() => {
  fakeConnections.length = 0;
  vi.restoreAllMocks();
});

describe('call session', () => {
  it('joins with the flags of what it sends, offers to everyone listed, and waits for later joiners to offer', async () => {
    const { signaling, session, statuses } = setup();
    const joining = session.join({ room: 'r', nick: 'Me', media: camera(false) });
    expect(signaling.joins[0]).toMatchObject({ room: 'r', nick: 'Me', state: { mic: false, cam: true } });
    signaling.accept(joinAck(fakePeer('me'), [fakePeer('a'), fakePeer('b')]));
    await joining;
    await settle();
    expect(statuses).toEqual(['joining', 'joined']);
    expect(session.participants.map((p) => p.id)).toEqual(['a', 'b']);
    expect(signaling.descriptionsTo('a')).toEqual(['offer']);
    expect(signaling.descriptionsTo('b')).toEqual(['offer']);

    signaling.emit('peerJoined', fakePeer('c'));
    await settle();
    expect(session.participants.map((p) => p.id)).toEqual(['a', 'b', 'c']);
    expect(pcTo(session, 'c')).toBeDefined();
    expect(signaling.descriptionsTo('c')).toEqual([]);

    const closing = pcTo(session, 'a')!;
    signaling.emit('peerLeft', { id: 'a', reason: 'left' });
    expect(session.participants.map((p) => p.id)).toEqual(['b', 'c']);
    expect(closing.signalingState).toBe('closed');
    await session.leave();
  });

  it('forwards device switches without renegotiating and publishes mic/cam only when they change', async () => {
    const { signaling, session } = setup();
    const cam = camera();
    const joining = session.join({ room: 'r', nick: 'Me', media: cam });
    signaling.accept(joinAck(fakePeer('me', { mic: true, cam: true }), [fakePeer('a')]));
    await joining;
    await settle();
    const pc = pcTo(session, 'a')!;
    const offers = signaling.descriptionsTo('a').length;

    // Another camera: the new track is on the sender, no new offer, no flag update.
    const other = new FakeTrack('video', 'usb');
    session.setMedia({ ...cam, video: asTrack(other) });
    await settle();
    expect(pc.getSenders().map((s) => s.track?.id)).toContain(other.id);
    expect(signaling.descriptionsTo('a').length).toBe(offers);
    expect(signaling.updates).toEqual([]);

    // Mute, then camera off: one update each.
    session.setMedia({ ...cam, video: asTrack(other), micOn: false });
    session.setMedia({ ...cam, video: asTrack(other), micOn: false });
    session.setMedia({ ...cam, video: null, micOn: false });
    await settle();
    expect(signaling.updates).toEqual([{ mic: false, cam: true }, { mic: false, cam: false }]);
    await session.leave();
  });

  it('sends no microphone track while muted, and the same track again on unmute, without renegotiating', async () => {
    const { signaling, session } = setup();
    const cam = camera(false);
    const joining = session.join({ room: 'r', nick: 'Me', media: cam });
    signaling.accept(joinAck(fakePeer('me', { mic: false, cam: true }), [fakePeer('a')]));
    await joining;
    await settle();
    const pc = pcTo(session, 'a')!;
    const offers = signaling.descriptionsTo('a').length;
    const micSender = () => pc.getTransceivers().find((t) => t.receiver.track.kind === 'audio')!.sender;
    expect(micSender().track).toBeNull();

    session.setMedia({ ...cam, micOn: true });
    await settle();
    expect(micSender().track).toBe(cam.audio);
    session.setMedia({ ...cam, micOn: false });
    await settle();
    expect(micSender().track).toBeNull();
    expect(signaling.descriptionsTo('a').length).toBe(offers);
    expect(signaling.updates).toEqual([{ mic: true, cam: true }, { mic: false, cam: true }]);
    await session.leave();
  });

  it('applies a device change made while the join was in flight', async () => {
    const { signaling, session } = setup();
    const cam = camera();
    const joining = session.join({ room: 'r', nick: 'Me', media: cam });
    const other = new FakeTrack('video', 'usb');
    session.setMedia({ ...cam, video: asTrack(other) });
    signaling.accept(joinAck(fakePeer('me', { mic: true, cam: true }), [fakePeer('a')]));
    await joining;
    await settle();
    expect(pcTo(session, 'a')!.getSenders().map((s) => s.track?.id)).toContain(other.id);
    await session.leave();
  });

  it('takes a share down when the capture ends, once, and tells the room', async () => {
    const { signaling, session } = setup();
    const joining = session.join({ room: 'r', nick: 'Me', media: camera() });
    signaling.accept(joinAck(fakePeer('me'), [fakePeer('a')]));
    await joining;
    await settle();
    const shares: Array<MediaStream | null> = [];
    session.on('share', (s) => shares.push(s));
    const screen = new FakeTrack('video', 'screen');
    const stream = asStream(new FakeStream([screen]));
    await session.startShare(stream);
    expect(signaling.updates.at(-1)).toEqual({ sharing: true, shareStreamId: stream.id });
    await settle();
    screen.end();
    await settle();
    screen.dispatchEvent(new Event('ended')); // a second event finds no listener left
    await settle();
    expect(shares).toEqual([stream, null]);
    expect(signaling.updates.filter((u) => u.sharing === false)).toEqual([{ sharing: false, shareStreamId: null }]);
    expect(session.share).toBeNull();
    await session.leave();
  });

  it('a leave while joining wins: the room is left as soon as the join lands, no connection is made', async () => {
    const { signaling, session, statuses } = setup();
    const joining = session.join({ room: 'r', nick: 'Me', media: camera() });
    await session.leave();
    signaling.accept(joinAck(fakePeer('me'), [fakePeer('a')]));
    await joining;
    await settle();
    expect(statuses).toEqual(['joining', 'left']);
    expect(signaling.left).toBe(true);
    expect(fakeConnections).toHaveLength(0);
  });

  it("a refused join reports the server's code, ends in error and closes the connection", async () => {
    const { signaling, session, statuses } = setup();
    const errors: unknown[] = [];
    session.on('error', (e) => errors.push(e));
    const joining = session.join({ room: 'r', nick: 'Me', media: camera() });
    signaling.refuse(Object.assign(new Error('The room is full'), { code: 'ROOM_FULL' }));
    await expect(joining).rejects.toMatchObject({ code: 'ROOM_FULL' });
    expect(errors).toEqual([{ code: 'ROOM_FULL', message: 'The room is full' }]);
    expect(statuses).toEqual(['joining', 'error']);
    expect(signaling.closed).toBe(true);
  });

  it('after a resume keeps its connections and connects to whoever it missed; after a rejoin rebuilds all, offering', async () => {
    const { signaling, session } = setup();
    const joining = session.join({ room: 'r', nick: 'Me', media: camera() });
    signaling.accept(joinAck(fakePeer('me'), [fakePeer('a')]));
    await joining;
    await settle();
    const first = pcTo(session, 'a');

    signaling.emit('resumed', { ...joinAck(fakePeer('me'), [fakePeer('a'), fakePeer('b')]), resumed: true });
    await settle();
    expect(pcTo(session, 'a')).toBe(first);
    expect(session.participants.map((p) => p.id)).toEqual(['a', 'b']);
    expect(signaling.descriptionsTo('b')).toEqual(['offer']);

    signaling.self = fakePeer('me2');
    signaling.emit('rejoined', joinAck(fakePeer('me2'), [fakePeer('a')]));
    await settle();
    expect(pcTo(session, 'a')).not.toBe(first);
    expect(first!.signalingState).toBe('closed');
    expect(signaling.descriptionsTo('a')).toEqual(['offer', 'offer']);
    expect(session.self?.id).toBe('me2');
    await session.leave();
  });
});
