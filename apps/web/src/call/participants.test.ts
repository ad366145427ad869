import { describe, expect, it } from 'vitest';
import { DEFAULT_MEDIA_STATE, type Peer } from '@meshmeet/protocol';
import { reduceParticipants, toParticipant, type RemoteParticipant } from './participants';

const peer = (id: string, extra: Partial<Peer> = {}): Peer => ({ ...DEFAULT_MEDIA_STATE, mic: true, cam: true, id, nick: id.toUpperCase(), ...extra });
const stream = (id: string) => ({ id }) as unknown as MediaStream;

function withMedia(list: readonly RemoteParticipant[], id: string): readonly RemoteParticipant[] {
  const a = reduceParticipants(list, { type: 'media', id, media: { camera: stream(`${id}-cam`), share: null } });
  return reduceParticipants(a, { type: 'connectionState', id, state: 'connected' });
}

describe('participants reducer', () => {
  it('a join ack lists the members with nothing received yet', () => {
    const list = reduceParticipants([], { type: 'reset', members: [peer('a'), peer('b', { mic: false })] });
    expect(list.map((p) => [p.id, p.mic, p.cameraStream, p.connectionState])).toEqual([
      ['a', true, null, 'new'],
      ['b', false, null, 'new'],
    ]);
  });

  it('peer:joined adds a newcomer, and a repeat of a listed member replaces its state without a second entry or lost media', () => {
    let list = reduceParticipants([], { type: 'reset', members: [peer('a')] });
    list = withMedia(list, 'a');
    list = reduceParticipants(list, { type: 'joined', peer: peer('b') });
    expect(list.map((p) => p.id)).toEqual(['a', 'b']);
    list = reduceParticipants(list, { type: 'joined', peer: peer('a', { cam: false, nick: 'Ada' }) });
    expect(list.map((p) => p.id)).toEqual(['a', 'b']);
    expect(list[0]).toMatchObject({ nick: 'Ada', cam: false, connectionState: 'connected' });
    expect(list[0]!.cameraStream?.id).toBe('a-cam');
  });

  it('peer:left removes; events about unknown ids change nothing (same array)', () => {
    const list = reduceParticipants([], { type: 'reset', members: [peer('a'), peer('b')] });
    const left = reduceParticipants(list, { type: 'left', id: 'a' });
    expect(left.map((p) => p.id)).toEqual(['b']);
    for (const action of [
      { type: 'left', id: 'zz' },
      { type: 'updated', update: { id: 'zz', mic: false } },
      { type: 'media', id: 'zz', media: { camera: stream('x'), share: null } },
      { type: 'connectionState', id: 'zz', state: 'failed' },
    ] as const) {
      expect(reduceParticipants(left, action)).toBe(left);
    }
  });

  it('peer:updated merges only the announced fields; an update that changes nothing keeps the array', () => {
    const list = reduceParticipants([], { type: 'reset', members: [peer('a')] });
    const muted = reduceParticipants(list, { type: 'updated', update: { id: 'a', mic: false } });
    expect(muted).not.toBe(list);
    expect(muted[0]).toMatchObject({ mic: false, cam: true, nick: 'A' });
    expect(reduceParticipants(muted, { type: 'updated', update: { id: 'a', mic: false } })).toBe(muted);
    const sharing = reduceParticipants(muted, { type: 'updated', update: { id: 'a', sharing: true, shareStreamId: 's1' } });
    expect(sharing[0]).toMatchObject({ sharing: true, shareStreamId: 's1', mic: false });
  });

  it('media and connection state land on the right participant', () => {
    let list = reduceParticipants([], { type: 'reset', members: [peer('a'), peer('b')] });
    list = reduceParticipants(list, { type: 'media', id: 'b', media: { camera: stream('cam'), share: stream('scr') } });
    list = reduceParticipants(list, { type: 'connectionState', id: 'b', state: 'connected' });
    expect(list[0]).toEqual(toParticipant(peer('a')));
    expect([list[1]!.cameraStream?.id, list[1]!.shareStream?.id, list[1]!.connectionState]).toEqual(['cam', 'scr', 'connected']);
  });

  it('a resume keeps what was received, takes the server list for who is there, and adds those missed', () => {
    let list = reduceParticipants([], { type: 'reset', members: [peer('a'), peer('b')] });
    list = withMedia(list, 'a');
    list = withMedia(list, 'b');
    // While we were away: b left, c joined, a muted.
    list = reduceParticipants(list, { type: 'resumed', members: [peer('a', { mic: false }), peer('c')] });
    expect(list.map((p) => p.id)).toEqual(['a', 'c']);
    expect(list[0]).toMatchObject({ mic: false, connectionState: 'connected' });
    expect(list[0]!.cameraStream?.id).toBe('a-cam');
    expect(list[1]).toEqual(toParticipant(peer('c')));
  });

  it('a rejoin (reset) forgets media; clear empties the list', () => {
    let list = withMedia(reduceParticipants([], { type: 'reset', members: [peer('a')] }), 'a');
    list = reduceParticipants(list, { type: 'reset', members: [peer('a')] });
    expect(list[0]!.cameraStream).toBeNull();
    expect(reduceParticipants(list, { type: 'clear' })).toEqual([]);
    const empty: readonly RemoteParticipant[] = [];
    expect(reduceParticipants(empty, { type: 'clear' })).toBe(empty);
  });
});
