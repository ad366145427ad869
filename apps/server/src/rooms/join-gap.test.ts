import { describe, expect, it } from 'vitest';
import { RoomWatches } from './join-gap.js';

describe('RoomWatches', () => {
  it('sees an event about another member of its room, not its own nor other rooms', () => {
    const w = new RoomWatches();
    const a = w.watch('r', 'me');
    w.touch('r', 'me');
    w.touch('other', 'x');
    expect(a.changed).toBe(false);
    w.touch('r', 'x');
    expect(a.changed).toBe(true);
  });

  it('counts every open watch of a room, and a lost-events signal for all rooms', () => {
    const w = new RoomWatches();
    const a = w.watch('r', 'a');
    const b = w.watch('r', 'b');
    const c = w.watch('s', 'c');
    w.touch('r', 'a');
    expect([a.changed, b.changed, c.changed]).toEqual([false, true, false]);
    w.touchAll();
    expect([a.changed, b.changed, c.changed]).toEqual([true, true, true]);
  });

  it('forgets a stopped watch and its room, so joins leave nothing behind', () => {
    const w = new RoomWatches();
    const a = w.watch('r', 'a');
    const b = w.watch('r', 'b');
    a.stop();
    expect(w.size).toBe(1);
    w.touch('r', 'x');
    expect(a.changed).toBe(false);
    expect(b.changed).toBe(true);
    b.stop();
    expect(w.size).toBe(0);
  });
});
