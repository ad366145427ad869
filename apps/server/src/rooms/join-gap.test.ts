import { describe, expect, it } from 'vitest';
import { DEFAULT_MEDIA_STATE, type Peer } from '@meshmeet/protocol';
import { RoomWatches, replayGap } from './join-gap.js';
import type { RoomNotice } from './room-notifier.js';

const peer = (id: string, extra: Partial<Peer> = {}): Peer => ({ ...DEFAULT_MEDIA_STATE, id, nick: id, ...extra });
const joined = (p: Peer): RoomNotice => ({ event: 'peer:joined', channel: 'c', payload: p, except: 's' });
const left = (id: string): RoomNotice => ({ event: 'peer:left', channel: 'c', payload: { id, reason: 'left' } });
const updated = (id: string, patch: Partial<Peer>): RoomNotice => ({ event: 'peer:updated', channel: 'c', payload: { id, ...patch }, except: 's' });

describe('RoomWatches', () => {
  it('keeps the notices about other members of its room, in order, not its own nor other rooms', () => {
    const w = new RoomWatches();
    const a = w.watch('r', 'me');
    w.saw('r', joined(peer('me')));
    w.saw('other', joined(peer('x')));
    expect(a.seen).toEqual([]);
    w.saw('r', joined(peer('x')));
    w.saw('r', left('x'));
    expect(a.seen.map((n) => n.event)).toEqual(['peer:joined', 'peer:left']);
    expect(a.lost).toBe(false);
  });

  it('tells every open watch, and marks all of them when events may have been lost', () => {
    const w = new RoomWatches();
    const a = w.watch('r', 'a');
    const b = w.watch('r', 'b');
    const c = w.watch('s', 'c');
    w.saw('r', joined(peer('a')));
    expect([a.seen.length, b.seen.length, c.seen.length]).toEqual([0, 1, 0]);
    w.lostAll();
    expect([a.lost, b.lost, c.lost]).toEqual([true, true, true]);
  });

  it('forgets a stopped watch and its room, so joins leave nothing behind', () => {
    const w = new RoomWatches();
    const a = w.watch('r', 'a');
    const b = w.watch('r', 'b');
    a.stop();
    expect(w.size).toBe(1);
    w.saw('r', left('x'));
    expect(a.seen).toEqual([]);
    expect(b.seen).toHaveLength(1);
    b.stop();
    expect(w.size).toBe(0);
  });
});

describe('RoomWatches.watchAny (a resume, whose room the store names)', () => {
  it('gives each watch what it heard of one room since it opened, not about the member itself', () => {
    const w = new RoomWatches();
    w.saw('r', joined(peer('before')));
    const a = w.watchAny();
    w.saw('r', joined(peer('x')));
    w.saw('s', joined(peer('y')));
    const b = w.watchAny();
    w.saw('r', updated('me', { mic: true }));
    w.saw('r', left('x'));
    w.saw('r', { event: 'chat:message', channel: 'c', payload: { id: 'm1', from: 'z', nick: 'z', text: 'hi', at: 1 } });
    expect(a.of('r', 'me').seen.map((n) => `${n.event} ${n.payload.id}`)).toEqual(['peer:joined x', 'peer:left x']);
    expect(b.of('r', 'me').seen.map((n) => `${n.event} ${n.payload.id}`)).toEqual(['peer:left x']);
    expect(a.of('s', 'me').seen.map((n) => n.payload.id)).toEqual(['y']);
    expect(a.of('r', 'me').lost).toBe(false);
    w.lostAll();
    expect([a.of('r', 'me').lost, b.of('s', 'me').lost]).toEqual([true, true]);
  });

  it('keeps one shared list while any is open, trims it as the oldest stop, and empties it after the last', () => {
    const w = new RoomWatches();
    w.saw('r', joined(peer('nobody-watching')));
    expect(w.heldForResumes).toBe(0);
    const a = w.watchAny();
    w.saw('r', joined(peer('x')));
    const b = w.watchAny();
    w.saw('r', joined(peer('y')));
    expect(w.heldForResumes).toBe(2);
    a.stop();
    expect(w.heldForResumes).toBe(1);
    expect(b.of('r', 'me').seen.map((n) => n.payload.id)).toEqual(['y']);
    const c = w.watchAny();
    w.saw('r', joined(peer('z')));
    expect(c.of('r', 'me').seen.map((n) => n.payload.id)).toEqual(['z']);
    b.stop();
    expect(c.of('r', 'me').seen.map((n) => n.payload.id)).toEqual(['z']);
    c.stop();
    expect(w.heldForResumes).toBe(0);
  });
});

describe('replayGap', () => {
  it('with nothing seen, the first list stands', () => {
    expect(replayGap([peer('a')], [])).toEqual({ members: [peer('a')], newcomers: [] });
  });

  it('a member who joined in the gap is a newcomer, with the state changes it made since', () => {
    const out = replayGap([peer('a')], [joined(peer('x')), updated('x', { mic: true })]);
    expect(out.members).toEqual([peer('a')]);
    expect(out.newcomers).toEqual([peer('x', { mic: true })]);
  });

  it('a member who left in the gap is dropped, whether listed or a newcomer', () => {
    const out = replayGap([peer('a'), peer('b')], [left('a'), joined(peer('x')), left('x')]);
    expect(out).toEqual({ members: [peer('b')], newcomers: [] });
  });

  it('a state change in the gap reaches the ack; a notice from before the insert replays to the same end', () => {
    // b joined before the insert with the camera off and turned it on before the insert too:
    // both notices may still arrive in the gap, in order.
    const before = [peer('b', { cam: true })];
    const out = replayGap(before, [joined(peer('b', { cam: false })), updated('b', { cam: true }), updated('b', { mic: true })]);
    expect(out.members).toEqual([peer('b', { cam: true, mic: true })]);
    expect(out.newcomers).toEqual([]);
  });

  it('ignores a state change of someone it does not know (they left before the insert)', () => {
    expect(replayGap([peer('a')], [updated('gone', { mic: true })])).toEqual({ members: [peer('a')], newcomers: [] });
  });
});
