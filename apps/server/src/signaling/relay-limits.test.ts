import { afterEach, describe, expect, it, vi } from 'vitest';
import { NodeRelayLimits, type LoopClock } from './relay-limits.js';

/** A loop clock the test moves by hand: time, and how busy the loop was since the last sample. */
class FakeLoop implements LoopClock {
  t = 1000;
  busy = 0;
  now(): number {
    return this.t;
  }
  busyShare(): number {
    return this.busy;
  }
}

/**
 * Drives one window of the probe: `turns` loop turns of `turnMs` each, a probe between
 * turns, `relaysPerTurn` relays asked in each turn. Returns whether any relay was refused.
 */
function runWindow(limits: NodeRelayLimits, loop: FakeLoop, o: { turns: number; turnMs: number; relaysPerTurn: number; busy: number }): boolean {
  loop.busy = o.busy;
  let shed = false;
  for (let turn = 0; turn < o.turns; turn++) {
    limits.sample();
    for (let i = 0; i < o.relaysPerTurn; i++) {
      loop.t += o.turnMs / o.relaysPerTurn;
      if (limits.overloaded()) shed = true;
    }
    if (o.relaysPerTurn === 0) loop.t += o.turnMs;
  }
  return shed;
}

describe('NodeRelayLimits overload detection', () => {
  it('reports overload in long turns of a loop saturated by relays, not in a lone long turn nor in a loop busy with other work', () => {
    const loop = new FakeLoop();
    const limits = new NodeRelayLimits(10, 30, loop, null);
    // Idle for a while (probes every 10 ms, a quiet loop), then one long turn of 80 ms: a burst, not saturation.
    runWindow(limits, loop, { turns: 30, turnMs: 10, relaysPerTurn: 0, busy: 0.05 });
    limits.sample();
    loop.t += 80;
    expect(limits.overloaded()).toBe(false);
    // A loop kept busy, but by something other than relays (a handful per 60 ms turn): no shedding.
    expect(runWindow(limits, loop, { turns: 10, turnMs: 60, relaysPerTurn: 5, busy: 0.97 })).toBe(false);
    expect(runWindow(limits, loop, { turns: 10, turnMs: 60, relaysPerTurn: 5, busy: 0.97 })).toBe(false);
    // Saturated by relays: back-to-back turns of 60 ms, each handling 100 relays. Refused only
    // in the part of a turn past the 30 ms budget.
    expect(runWindow(limits, loop, { turns: 5, turnMs: 60, relaysPerTurn: 100, busy: 0.97 })).toBe(true);
    limits.sample();
    loop.t += 20;
    expect(limits.overloaded()).toBe(false); // 20 ms into the turn: within the budget
    loop.t += 20;
    expect(limits.overloaded()).toBe(true); // 40 ms into the turn: past it
    // Idle again: the next window clears the saturation, and a long turn sheds nothing.
    runWindow(limits, loop, { turns: 30, turnMs: 10, relaysPerTurn: 0, busy: 0.05 });
    limits.sample();
    loop.t += 80;
    expect(limits.overloaded()).toBe(false);
  });

  describe('probe timer', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('runs only while relays flow: none on an idle node, started by a relay, stopped by a quiet window', () => {
      vi.useFakeTimers();
      const loop = new FakeLoop();
      const limits = new NodeRelayLimits(10, 30, loop, 10);
      expect(limits.probing).toBe(false);
      expect(vi.getTimerCount()).toBe(0);
      expect(limits.overloaded()).toBe(false);
      expect(limits.probing).toBe(true);
      expect(vi.getTimerCount()).toBe(1);
      // Relays keep coming through the first window: the probe stays.
      for (let i = 0; i < 25; i++) {
        loop.t += 10;
        vi.advanceTimersByTime(10);
        limits.overloaded();
      }
      expect(limits.probing).toBe(true);
      // A whole window without a relay: the timer goes.
      for (let i = 0; i < 45; i++) {
        loop.t += 10;
        vi.advanceTimersByTime(10);
      }
      expect(limits.probing).toBe(false);
      expect(vi.getTimerCount()).toBe(0);
      // The next relay starts it again, with a fresh window: not saturated.
      loop.busy = 1;
      expect(limits.overloaded()).toBe(false);
      expect(limits.probing).toBe(true);
      limits.stop();
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
