import { describe, expect, it } from 'vitest';
import type { PeerNotice } from '@meshmeet/protocol';
import { BudgetController, type LocalSendMedia } from './budget-controller';

type Stats = { id: string; type: string; [k: string]: unknown };

/** A sender that keeps what was set, like Chromium's for one encoding. */
class FakeSender {
  sets: RTCRtpEncodingParameters[] = [];
  private params: RTCRtpSendParameters = { encodings: [{ active: true }], transactionId: 't', codecs: [], headerExtensions: [], rtcp: {} };
  constructor(readonly track: MediaStreamTrack | null) {}
  getParameters(): RTCRtpSendParameters {
    return structuredClone(this.params);
  }
  async setParameters(p: RTCRtpSendParameters): Promise<void> {
    this.params = structuredClone(p);
    this.sets.push(p.encodings[0]!);
  }
  get encoding(): RTCRtpEncodingParameters {
    return this.params.encodings[0]!;
  }
}

const track = (id: string, kind: 'audio' | 'video', height = 480): MediaStreamTrack =>
  ({ id, kind, contentHint: '', getSettings: () => ({ height, frameRate: 20 }) }) as unknown as MediaStreamTrack;

function fakePc(senders: FakeSender[], stats: () => Stats[]): RTCPeerConnection {
  return {
    connectionState: 'connected',
    getSenders: () => senders,
    getStats: async () => new Map(stats().map((s) => [s.id, s])),
  } as unknown as RTCPeerConnection;
}

function linkStats(availableKbps: number, micLevel = 0, fractionLost = 0): Stats[] {
  return [
    { id: 'RI', type: 'remote-inbound-rtp', kind: 'video', fractionLost },
    { id: 'T', type: 'transport', selectedCandidatePairId: 'CP' },
    { id: 'CP', type: 'candidate-pair', availableOutgoingBitrate: availableKbps * 1000, currentRoundTripTime: 0.02 },
    { id: 'MA', type: 'media-source', kind: 'audio', trackIdentifier: 'mic', audioLevel: micLevel },
  ];
}

function setup(opts: { enabled?: boolean; peers?: number; available?: number; fractionLost?: number } = {}) {
  const camera = track('cam', 'video');
  const microphone = track('mic', 'audio');
  const local: LocalSendMedia = { camera, microphone, share: null };
  const sent: { to: string; data: PeerNotice }[] = [];
  const senders = new Map<string, { cam: FakeSender; mic: FakeSender }>();
  const pcs = new Map<string, RTCPeerConnection>();
  for (let i = 0; i < (opts.peers ?? 1); i++) {
    const s = { cam: new FakeSender(camera), mic: new FakeSender(microphone) };
    senders.set(`p${i}`, s);
    pcs.set(`p${i}`, fakePc([s.mic, s.cam], () => linkStats(opts.available ?? 5000, 0, opts.fractionLost)));
  }
  let t = 0;
  const controller = new BudgetController({
    connections: () => pcs,
    local: () => local,
    send: (to, data) => sent.push({ to, data }),
    enabled: opts.enabled,
    now: () => (t += 2000),
  });
  return { controller, senders, sent, local, pcs };
}

describe('BudgetController', () => {
  it('limits the camera of every link with setParameters and protects the microphone', async () => {
    const { controller, senders } = setup({ peers: 5 });
    await controller.tick();
    for (const { cam, mic } of senders.values()) {
      expect(cam.encoding.maxBitrate).toBeGreaterThan(0);
      expect(cam.encoding.maxBitrate).toBeLessThanOrEqual(600_000);
      expect(cam.encoding.scaleResolutionDownBy).toBeGreaterThanOrEqual(1);
      expect(cam.encoding.active).toBe(true);
      expect(mic.encoding.priority).toBe('high');
    }
  });

  it('does not set parameters again when nothing changed', async () => {
    const { controller, senders } = setup();
    await controller.tick();
    await controller.tick();
    expect(senders.get('p0')!.cam.sets).toHaveLength(1);
  });

  it('leaves a sender alone until it is negotiated (has a transport), then sets it', async () => {
    const { controller, senders } = setup();
    const cam = senders.get('p0')!.cam;
    let reads = 0;
    const read = cam.getParameters.bind(cam);
    Object.assign(cam, { transport: null, getParameters: () => (reads++, read()) });
    await controller.tick();
    expect(reads).toBe(0);
    expect(cam.sets).toHaveLength(0);
    Object.assign(cam, { transport: {} });
    await controller.tick();
    expect(reads).toBe(1);
    expect(cam.sets).toHaveLength(1);
  });

  it('changes nothing and sends nothing when disabled', async () => {
    const { controller, senders, sent } = setup({ enabled: false, peers: 5 });
    await controller.tick();
    expect(senders.get('p0')!.cam.sets).toHaveLength(0);
    expect(senders.get('p0')!.mic.sets).toHaveLength(0);
    expect(sent).toHaveLength(0);
    expect(controller.report('p0')?.sent).toBeDefined();
  });

  it('pauses the camera for a receiver that asks for no video and tells it why', async () => {
    const { controller, senders, sent } = setup();
    await controller.tick();
    controller.setWant('p0', { maxHeight: 0 });
    await controller.tick();
    expect(senders.get('p0')!.cam.encoding.active).toBe(false);
    expect(sent.at(-1)).toEqual({ to: 'p0', data: { sending: { active: false, height: 0, reason: 'receiver-off' } } });
  });

  it('pauses on a link too slow for video and says "uplink" to that receiver', async () => {
    // Too slow: the estimate is below the cheapest step and the receiver reports loss.
    const { controller, senders, sent } = setup({ available: 80, fractionLost: 0.2 });
    await controller.tick();
    expect(senders.get('p0')!.cam.encoding.active).toBe(false);
    expect(sent).toEqual([{ to: 'p0', data: { sending: { active: false, height: 0, reason: 'uplink' } } }]);
  });

  it('marks a shared screen as detailed content and gives its sender a bitrate', async () => {
    const { controller, pcs, local } = setup();
    const screen = track('screen', 'video', 1080);
    local.share = { getTracks: () => [screen], getVideoTracks: () => [screen] } as unknown as MediaStream;
    const shareSender = new FakeSender(screen);
    const pc = pcs.get('p0')!;
    const base = pc.getSenders();
    (pc as unknown as { getSenders: () => unknown[] }).getSenders = () => [...base, shareSender];
    await controller.tick();
    expect(screen.contentHint).toBe('detail');
    expect(shareSender.encoding.maxBitrate).toBeGreaterThan(0);
    expect(shareSender.encoding.scaleResolutionDownBy).toBe(1);
  });

  it('reports per link what it decided and what the receiver asked for', async () => {
    const { controller } = setup({ peers: 3 });
    controller.setWant('p1', { maxHeight: 120 });
    await controller.tick();
    expect(controller.report('p1')).toMatchObject({ camera: { reason: 'receiver' }, want: { maxHeight: 120 } });
    controller.forget('p1');
    expect(controller.report('p1')).toBeNull();
  });

  it("lowers the camera capture for a room of six, and gives the user's size back when the room empties to one peer", async () => {
    const { controller, local, pcs } = setup({ peers: 5 });
    const settings = { width: 1280, height: 720, frameRate: 30 };
    const asked: MediaTrackConstraints[] = [];
    Object.assign(local.camera!, {
      readyState: 'live',
      getSettings: () => ({ ...settings }),
      applyConstraints: async (c: MediaTrackConstraints) => {
        asked.push(c);
        settings.width = (c.width as ConstrainULongRange).ideal!;
        settings.height = (c.height as ConstrainULongRange).ideal!;
        settings.frameRate = (c.frameRate as ConstrainDoubleRange).ideal!;
      },
    });
    await controller.tick();
    expect(settings.height).toBeLessThanOrEqual(360);
    expect(settings.frameRate).toBeLessThanOrEqual(20);
    // Same aspect as the user's capture.
    expect(settings.width / settings.height).toBeCloseTo(16 / 9, 1);
    // Encodings were decided against the new capture: no link is scaled below what it may send.
    const cam = [...pcs.values()][0]!.getSenders()[1] as unknown as FakeSender;
    expect(settings.height / cam.encoding.scaleResolutionDownBy!).toBeGreaterThanOrEqual(180);
    await controller.tick();
    expect(asked).toHaveLength(1);
    for (const id of ['p1', 'p2', 'p3', 'p4']) pcs.delete(id);
    await controller.tick();
    expect(settings).toEqual({ width: 1280, height: 720, frameRate: 30 });
  });

  it('leaves the capture alone when disabled', async () => {
    const { controller, local } = setup({ peers: 5, enabled: false });
    let calls = 0;
    Object.assign(local.camera!, { readyState: 'live', applyConstraints: async () => void calls++ });
    await controller.tick();
    expect(calls).toBe(0);
  });
});
