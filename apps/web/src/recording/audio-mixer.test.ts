import { describe, expect, it } from 'vitest';
import { AudioMixer, type AudioContextLike } from './audio-mixer.js';

/** Fakes: a node records connect/disconnect; the destination has one stable track. */
class FakeNode {
  connected = false;
  constructor(readonly trackId: string) {}
  connect() {
    this.connected = true;
  }
  disconnect() {
    this.connected = false;
  }
}
const track = (id: string, kind = 'audio', readyState = 'live') => ({ id, kind, readyState }) as unknown as MediaStreamTrack;

function setup() {
  const nodes: FakeNode[] = [];
  const outTrack = { id: 'out', stop() {} } as unknown as MediaStreamTrack;
  let closed = false;
  const ctx: AudioContextLike = {
    state: 'running',
    createMediaStreamSource: (stream) => {
      const n = new FakeNode((stream as unknown as { id: string }).id);
      nodes.push(n);
      return n as unknown as AudioNode;
    },
    createMediaStreamDestination: () =>
      ({ stream: { getAudioTracks: () => [outTrack] } }) as unknown as MediaStreamAudioDestinationNode,
    resume: async () => undefined,
    close: async () => {
      closed = true;
    },
  };
  const mixer = new AudioMixer({
    createContext: () => ctx,
    wrapTrack: (t) => ({ id: t.id }) as unknown as MediaStream,
  });
  return { mixer, nodes, outTrack, isClosed: () => closed };
}

describe('AudioMixer', () => {
  it('adds live audio tracks, ignores video and ended ones, keeps one output track', () => {
    const { mixer, nodes, outTrack } = setup();
    mixer.sync([track('a'), track('v', 'video'), track('dead', 'audio', 'ended'), track('b')]);
    expect(mixer.inputs.sort()).toEqual(['a', 'b']);
    expect(nodes.every((n) => n.connected)).toBe(true);
    expect(mixer.track).toBe(outTrack);
  });

  it('follows joins, leaves and device switches without touching the output', () => {
    const { mixer, nodes, outTrack } = setup();
    mixer.sync([track('a'), track('b')]);
    mixer.sync([track('a'), track('b')]); // no change: no new nodes
    expect(nodes).toHaveLength(2);
    mixer.sync([track('a'), track('b2'), track('c')]); // b switched mic, c joined
    expect(mixer.inputs.sort()).toEqual(['a', 'b2', 'c']);
    expect(nodes.find((n) => n.trackId === 'b')?.connected).toBe(false);
    mixer.sync([]); // everyone left
    expect(mixer.inputs).toEqual([]);
    expect(mixer.track).toBe(outTrack);
  });

  it('closes the context and stops adding after close', async () => {
    const { mixer, nodes, isClosed } = setup();
    mixer.sync([track('a')]);
    await mixer.close();
    expect(isClosed()).toBe(true);
    mixer.sync([track('z')]);
    expect(nodes).toHaveLength(1);
  });
});
