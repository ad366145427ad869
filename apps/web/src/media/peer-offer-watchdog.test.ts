import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_OFFER_TIMEOUT_MS, OfferWatchdog, rollBackLocalOffer, type OfferWatchdogHooks } from './peer-offer-watchdog';

/** A connection whose pending offer is `pending` until answered; rollbacks are counted. */
function harness(timeoutMs?: number) {
  const state = { pending: null as string | null, rollbacks: 0 };
  const queue: (() => Promise<void>)[] = [];
  const hooks: OfferWatchdogHooks = {
    serialize: (task) => void queue.push(task),
    unanswered: (sdp) => state.pending === sdp,
    rollBack: async () => {
      state.rollbacks += 1;
      state.pending = null;
    },
  };
  const watchdog = new OfferWatchdog(hooks, timeoutMs);
  /** Runs what the watchdog queued, as the connection's inbound queue would. */
  const drain = async () => {
    for (const task of queue.splice(0)) await task();
  };
  return { state, queue, watchdog, drain };
}

describe('OfferWatchdog', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rolls back an offer still unanswered at the deadline (10 s by default), not before', async () => {
    const { state, queue, watchdog, drain } = harness();
    state.pending = 'offer-1';
    watchdog.arm('offer-1');
    vi.advanceTimersByTime(DEFAULT_OFFER_TIMEOUT_MS - 1);
    expect(queue).toHaveLength(0);
    vi.advanceTimersByTime(1);
    await drain();
    expect(DEFAULT_OFFER_TIMEOUT_MS).toBe(10_000);
    expect(state.rollbacks).toBe(1);
  });

  it('does nothing once the offer was answered (cleared)', async () => {
    const { state, queue, watchdog, drain } = harness(100);
    state.pending = 'offer-1';
    watchdog.arm('offer-1');
    watchdog.clear();
    vi.advanceTimersByTime(1000);
    await drain();
    expect(queue).toHaveLength(0);
    expect(state.rollbacks).toBe(0);
  });

  it('checks in the inbound order: an answer applied before the check wins', async () => {
    const { state, queue, watchdog, drain } = harness(100);
    state.pending = 'offer-1';
    watchdog.arm('offer-1');
    vi.advanceTimersByTime(100);
    expect(queue).toHaveLength(1);
    state.pending = null; // the answer, queued before the check, is applied first
    await drain();
    expect(state.rollbacks).toBe(0);
  });

  it('watches only the latest offer: arming again replaces the deadline', async () => {
    const { state, queue, watchdog, drain } = harness(100);
    state.pending = 'offer-1';
    watchdog.arm('offer-1');
    vi.advanceTimersByTime(60);
    state.pending = 'offer-2';
    watchdog.arm('offer-2');
    vi.advanceTimersByTime(60); // the first deadline has passed: nothing fires for it
    expect(queue).toHaveLength(0);
    vi.advanceTimersByTime(40);
    await drain();
    expect(state.rollbacks).toBe(1);
  });

  it('never rolls back a newer offer for an older one whose check was already queued', async () => {
    const { state, watchdog, drain } = harness(100);
    state.pending = 'offer-1';
    watchdog.arm('offer-1');
    vi.advanceTimersByTime(100);
    state.pending = 'offer-2';
    await drain();
    expect(state.rollbacks).toBe(0);
  });
});

describe('rollBackLocalOffer', () => {
  function fakePc(connectionState: RTCPeerConnectionState, refuse = false) {
    const calls: string[] = [];
    const pc = {
      connectionState,
      setLocalDescription: async (d: RTCLocalSessionDescriptionInit) => {
        calls.push(`setLocalDescription:${d.type}`);
        if (refuse) throw new Error('ERROR_CONTENT');
      },
      restartIce: () => calls.push('restartIce'),
    };
    return { pc: pc as unknown as RTCPeerConnection, calls };
  }

  it('rolls back and asks for an ICE restart again when not connected', async () => {
    const { pc, calls } = fakePc('disconnected');
    await rollBackLocalOffer(pc);
    expect(calls).toEqual(['setLocalDescription:rollback', 'restartIce']);
  });

  it('rolls back without an ICE restart when connected', async () => {
    const { pc, calls } = fakePc('connected');
    await rollBackLocalOffer(pc);
    expect(calls).toEqual(['setLocalDescription:rollback']);
  });

  it('rejects when the connection refuses the rollback', async () => {
    const { pc, calls } = fakePc('connected', true);
    await expect(rollBackLocalOffer(pc)).rejects.toThrow('ERROR_CONTENT');
    expect(calls).toEqual(['setLocalDescription:rollback']);
  });
});
