import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IceRestarter } from './peer-ice-restart';

function setup(policy = { baseDelayMs: 1000, maxDelayMs: 4000, maxAttempts: 3, disconnectedGraceMs: 5000 }) {
  let state: RTCPeerConnectionState = 'connected';
  const restarts: number[] = [];
  const gaveUp: number[] = [];
  const r = new IceRestarter(policy, {
    state: () => state,
    restart: () => restarts.push(Date.now()),
    gaveUp: (n) => gaveUp.push(n),
  });
  const set = (s: RTCPeerConnectionState) => {
    state = s;
    r.onState(s);
  };
  return { r, set, restarts, gaveUp };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('IceRestarter', () => {
  it('lets a short "disconnected" heal by itself', () => {
    const { set, restarts } = setup();
    set('disconnected');
    vi.advanceTimersByTime(3000);
    set('connected');
    vi.advanceTimersByTime(10_000);
    expect(restarts).toHaveLength(0);
  });

  it('restarts a lingering "disconnected" after the grace period', () => {
    const { set, restarts } = setup();
    set('disconnected');
    vi.advanceTimersByTime(4999);
    expect(restarts).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(restarts).toHaveLength(1);
  });

  it('backs off exponentially while failed, then gives up, and counts afresh once connected', () => {
    const { set, restarts, gaveUp } = setup();
    const t0 = Date.now();
    set('failed');
    vi.advanceTimersByTime(60_000);
    // 1 s, then +2 s, then +4 s (capped at maxDelayMs); three attempts at most.
    expect(restarts.map((t) => t - t0)).toEqual([1000, 3000, 7000]);
    set('failed');
    vi.advanceTimersByTime(60_000);
    expect(restarts).toHaveLength(3);
    expect(gaveUp).toEqual([3]); // reported once
    set('connected');
    set('failed');
    vi.advanceTimersByTime(1000);
    expect(restarts).toHaveLength(4);
  });

  it('dispose() cancels a pending restart', () => {
    const { r, set, restarts } = setup();
    set('failed');
    r.dispose();
    vi.advanceTimersByTime(60_000);
    expect(restarts).toHaveLength(0);
  });
});
