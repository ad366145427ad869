import { effectScope } from 'vue';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useActiveSpeakers } from './useActiveSpeakers';
import type { LevelConnection, LevelSource } from '../media/speech-levels';

const track = (id: string) => ({ id, kind: 'audio', readyState: 'live' }) as MediaStreamTrack;

describe('useActiveSpeakers', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(remoteLevel: () => number, ownLevel: () => number) {
    const mic = track('mic');
    const theirs = track('theirs');
    const getStats = vi.fn(async () => new Map([['m', { type: 'media-source', kind: 'audio', audioLevel: ownLevel() }]]) as unknown as RTCStatsReport);
    const getSynchronizationSources = vi.fn(() => [{ timestamp: performance.timeOrigin + performance.now(), audioLevel: remoteLevel(), source: 1, rtpTimestamp: 0 }]);
    const pc: LevelConnection = {
      connectionState: 'connected',
      getReceivers: () => [{ track: theirs, getSynchronizationSources }],
      getSenders: () => [{ track: mic }],
      getStats,
    };
    const sources: LevelSource[] = [
      { id: 'me', track: mic, local: true },
      { id: 'them', track: theirs, local: false },
    ];
    const scope = effectScope();
    const api = scope.run(() => useActiveSpeakers(() => sources, () => new Map([['them', pc]]), { intervalMs: 200, holdMs: 700 }))!;
    return { api, scope, getStats, getSynchronizationSources };
  }

  it('lights up whoever is loud, reading remote levels every tick and our own every third', async () => {
    let remote = 0.3;
    const { api, scope, getStats, getSynchronizationSources } = setup(() => remote, () => 0.5);
    await vi.advanceTimersByTimeAsync(600);
    expect([...api.speaking.value].sort()).toEqual(['me', 'them']);
    expect(getSynchronizationSources).toHaveBeenCalledTimes(3);
    expect(getStats).toHaveBeenCalledTimes(1);

    // Our held level keeps us lit between reads; they go quiet and drop after the hold time.
    remote = 0;
    await vi.advanceTimersByTimeAsync(1000);
    expect([...api.speaking.value]).toEqual(['me']);
    expect(getStats).toHaveBeenCalledTimes(3); // ticks 0, 3 and 6 of 8
    scope.stop();
  });

  it('stops reading when its scope ends', async () => {
    const { scope, getSynchronizationSources } = setup(() => 0, () => 0);
    await vi.advanceTimersByTimeAsync(400);
    scope.stop();
    const calls = getSynchronizationSources.mock.calls.length;
    await vi.advanceTimersByTimeAsync(1000);
    expect(getSynchronizationSources).toHaveBeenCalledTimes(calls);
  });
});
