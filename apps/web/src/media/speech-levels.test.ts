import { describe, expect, it, vi } from 'vitest';
import { FRESH_LEVEL_MS, readSpeechLevels, receiverLevel, type LevelConnection } from './speech-levels';

const source = (timestamp: number, audioLevel?: number) => ({ timestamp, audioLevel, source: 1, rtpTimestamp: 0 }) as RTCRtpSynchronizationSource;
const receiverOf = (track: MediaStreamTrack, entries: RTCRtpSynchronizationSource[]) => ({ track, getSynchronizationSources: () => entries });
const track = (id: string, readyState: MediaStreamTrackState = 'live') => ({ id, readyState, kind: 'audio' }) as MediaStreamTrack;
const stats = (entries: object[]) => new Map(entries.map((e, i) => [String(i), e])) as unknown as RTCStatsReport;

function connection(patch: Partial<LevelConnection>): LevelConnection {
  return { connectionState: 'connected', getReceivers: () => [], getSenders: () => [], getStats: async () => stats([]), ...patch };
}

describe('receiverLevel', () => {
  it('is the audio level of the newest packet', () => {
    const r = { getSynchronizationSources: () => [source(900, 0.1), source(1000, 0.3)] };
    expect(receiverLevel(r, 1100)).toBe(0.3);
  });

  it('is 0 once the stream has played nothing for a second (the sender stopped)', () => {
    const r = { getSynchronizationSources: () => [source(1000, 0.5)] };
    expect(receiverLevel(r, 1000 + FRESH_LEVEL_MS - 1)).toBe(0.5);
    expect(receiverLevel(r, 1000 + FRESH_LEVEL_MS + 1)).toBe(0);
  });

  it('is 0 with no packets yet or when the sender writes no level', () => {
    expect(receiverLevel({ getSynchronizationSources: () => [] }, 0)).toBe(0);
    expect(receiverLevel({ getSynchronizationSources: () => [source(10)] }, 10)).toBe(0);
  });
});

describe('readSpeechLevels', () => {
  it('reads each remote participant from the receiver of their own track on their own connection', async () => {
    const a = track('a');
    const b = track('b');
    const levels = await readSpeechLevels(
      [
        { id: 'A', track: a, local: false },
        { id: 'B', track: b, local: false },
      ],
      new Map([
        // A's connection also receives B's track id by mistake: only A's own track counts.
        ['A', connection({ getReceivers: () => [receiverOf(track('x'), [source(100, 0.9)]), receiverOf(a, [source(100, 0.2)])] })],
        ['B', connection({ getReceivers: () => [receiverOf(b, [source(100, 0.05)])] })],
      ]),
      150,
    );
    expect(Object.fromEntries(levels)).toEqual({ A: 0.2, B: 0.05 });
  });

  it('reads our microphone from the media-source stats of a connected connection that sends it', async () => {
    const mic = track('mic');
    const getStats = vi.fn(async () => stats([{ type: 'outbound-rtp', kind: 'audio' }, { type: 'media-source', kind: 'audio', audioLevel: 0.4 }]));
    const unrelated = vi.fn(async () => stats([]));
    const levels = await readSpeechLevels(
      [{ id: 'me', track: mic, local: true }],
      new Map([
        ['P', connection({ connectionState: 'connecting', getSenders: () => [{ track: mic }], getStats: unrelated })],
        ['Q', connection({ getSenders: () => [{ track: mic }], getStats })],
      ]),
      0,
    );
    expect(levels.get('me')).toBe(0.4);
    expect(getStats).toHaveBeenCalledWith(mic);
    expect(unrelated).not.toHaveBeenCalled();
  });

  it('leaves out muted, ended and unreadable sources, and whoever has no connection', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const broken = track('broken');
    const levels = await readSpeechLevels(
      [
        { id: 'muted', track: null, local: false },
        { id: 'ended', track: track('ended', 'ended'), local: false },
        { id: 'broken', track: broken, local: false },
        { id: 'nobody', track: track('n'), local: false },
        { id: 'me-alone', track: track('mic'), local: true },
      ],
      new Map([
        ['ended', connection({ getReceivers: () => [receiverOf(track('ended', 'ended'), [source(0, 1)])] })],
        ['broken', connection({ getReceivers: () => [{ track: broken, getSynchronizationSources: () => { throw new Error('closed'); } }] })],
      ]),
      0,
    );
    expect(levels.size).toBe(0);
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });
});
