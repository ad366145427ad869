import { describe, expect, it } from 'vitest';
import {
  AUDIO_RESERVE_KBPS,
  captureFor,
  CAMERA_LADDER,
  CPU_RELAX_MS,
  CONCEALMENT_BUSY,
  CPU_TIGHTEN_MS,
  decideBudget,
  initialBudgetState,
  UPLINK_PROBE_MS,
  type BudgetInput,
  type LinkInput,
  type LinkMeasurement,
} from './budget';

const quiet: LinkMeasurement = { availableKbps: null, loss: null, rttMs: null, qualityLimitation: 'none', encodeMsPerS: 0 };

function links(n: number, measured: Partial<LinkMeasurement> = {}, request: LinkInput['request'] = null): LinkInput[] {
  return Array.from({ length: n }, (_, i) => ({ peerId: `p${i}`, measured: { ...quiet, ...measured }, request }));
}

function input(patch: Partial<BudgetInput> = {}): BudgetInput {
  return { now: 0, links: links(1), capture: { height: 720, fps: 30 }, sharing: false, speaking: false, dataSaver: false, ...patch };
}

const camera = (d: ReturnType<typeof decideBudget>, i = 0) => d.links[i]!.camera;

describe('decideBudget', () => {
  it('sends the top step to a single peer on an unmeasured link', () => {
    const c = camera(decideBudget(input()));
    expect(c).toMatchObject({ active: true, maxBitrate: 1_500_000, scaleResolutionDownBy: 1, maxFramerate: 30, reason: 'none', height: 720 });
  });

  it('sends less per link as the room grows, and says the room size is why', () => {
    const two = camera(decideBudget(input({ links: links(1) })));
    const four = camera(decideBudget(input({ links: links(3) })));
    const six = camera(decideBudget(input({ links: links(5) })));
    expect(four.maxBitrate).toBeLessThan(two.maxBitrate);
    expect(six.maxBitrate).toBeLessThan(four.maxBitrate);
    expect(six.height).toBeLessThanOrEqual(360);
    expect(six.reason).toBe('room');
    // Over all links, a room of six stays inside the assumed uplink, audio included.
    expect((six.maxBitrate / 1000 + AUDIO_RESERVE_KBPS) * 5).toBeLessThanOrEqual(3000);
  });

  it('scales down from the captured size and never up', () => {
    const c = camera(decideBudget(input({ links: links(5), capture: { height: 480, fps: 20 } })));
    expect(c.scaleResolutionDownBy).toBeCloseTo(480 / c.height);
    expect(c.maxFramerate).toBeLessThanOrEqual(20);
    const small = camera(decideBudget(input({ capture: { height: 240, fps: 15 } })));
    expect(small).toMatchObject({ scaleResolutionDownBy: 1, height: 240, maxFramerate: 15 });
  });

  it('follows the measured available bitrate of each link separately', () => {
    const d = decideBudget(
      input({
        links: [
          { peerId: 'fast', measured: { ...quiet, availableKbps: 5000 }, request: null },
          { peerId: 'slow', measured: { ...quiet, availableKbps: 400 }, request: null },
        ],
      }),
    );
    expect(camera(d, 0).reason).toBe('room');
    expect(camera(d, 1).reason).toBe('uplink');
    // The slow link's picture fits its estimate; its cap reaches no further than the next step.
    const slow = camera(d, 1);
    const step = CAMERA_LADDER.findIndex((t) => t.height === slow.height && t.fps === slow.maxFramerate);
    expect(CAMERA_LADDER[step]!.kbps).toBeLessThanOrEqual(400 * 0.85 - AUDIO_RESERVE_KBPS);
    expect(slow.maxBitrate / 1000).toBeLessThanOrEqual(CAMERA_LADDER[step - 1]!.kbps);
    expect(slow.maxBitrate).toBeLessThan(camera(d, 0).maxBitrate);
  });

  it('lets a link whose estimate started low climb to what the link carries', () => {
    // A sender's estimate grows only with what it sends: Chromium's bandwidth estimate stays
    // within about 1.5 times the acknowledged rate (+10 kbit/s), and never above the link.
    const capacity = 1000;
    let estimate = 200;
    let d = decideBudget(input({ links: links(1, { availableKbps: estimate }) }));
    for (let i = 1; i <= 20; i++) {
      const sent = Math.min(camera(d).maxBitrate / 1000, estimate) + 35;
      estimate = Math.min(capacity, 1.5 * sent + 10);
      d = decideBudget(input({ now: i * 2000, links: links(1, { availableKbps: estimate }) }), d.state);
    }
    // 1,000 kbit/s carries 360p20 (450) with audio and margin; a cap at the chosen step's
    // own bitrate kept this link at 120p for good.
    expect(camera(d).height).toBeGreaterThanOrEqual(360);
    expect(camera(d).maxBitrate / 1000).toBeLessThanOrEqual(capacity);
  });

  it('sends less on a lossy or queueing link than on a clean one with the same estimate', () => {
    const clean = camera(decideBudget(input({ links: links(1, { availableKbps: 800 }) })));
    const lossy = camera(decideBudget(input({ links: links(1, { availableKbps: 800, loss: 0.15 }) })));
    const queued = camera(decideBudget(input({ links: links(1, { availableKbps: 800, rttMs: 900 }) })));
    expect(lossy.maxBitrate).toBeLessThan(clean.maxBitrate);
    expect(queued.maxBitrate).toBeLessThan(clean.maxBitrate);
  });

  it('pauses video (audio keeps its reserve) when a link cannot carry the cheapest step', () => {
    // The estimate is below the cheapest step and the link loses packets.
    const d = decideBudget(input({ links: links(1, { availableKbps: 100, loss: 0.08 }) }));
    expect(camera(d)).toMatchObject({ active: false, reason: 'uplink', height: 0 });
    const floor = CAMERA_LADDER.at(-1)!.kbps;
    const justEnough = (floor + AUDIO_RESERVE_KBPS) / 0.85 + 1;
    expect(camera(decideBudget(input({ links: links(1, { availableKbps: justEnough }) }))).active).toBe(true);
  });

  it('keeps the cheapest step on a link whose estimate is low but that loses nothing, even with a long RTT', () => {
    // An estimate dips on a busy CPU (which also stretches the RTT), and once video stops
    // it has nothing to grow on: a pause for the estimate alone would leave a healthy link
    // without video.
    const dipped = links(5, { availableKbps: 60, loss: 0, rttMs: 900 });
    let d = decideBudget(input({ links: dipped }));
    for (let t = 1; t <= 10; t++) d = decideBudget(input({ now: t * 2000, links: dipped }), d.state);
    for (let i = 0; i < 5; i++) {
      // Capped with the usual headroom of an estimate-chosen step, so the estimate can grow.
      expect(camera(d, i)).toMatchObject({ active: true, reason: 'uplink', height: CAMERA_LADDER.at(-1)!.height, maxBitrate: CAMERA_LADDER.at(-2)!.kbps * 1000 });
    }
  });

  it('steps down on CPU pressure at most every few seconds and back up only after a quiet spell', () => {
    const busy = links(3, { qualityLimitation: 'cpu' });
    let d = decideBudget(input({ links: links(3) }));
    const start = camera(d).height;
    d = decideBudget(input({ now: 1000, links: busy }), d.state);
    expect(d.state.cpuLevel).toBe(1);
    d = decideBudget(input({ now: 1000 + CPU_TIGHTEN_MS - 1, links: busy }), d.state);
    expect(d.state.cpuLevel).toBe(1);
    for (let t = 1; t <= 6; t++) d = decideBudget(input({ now: 1000 + t * CPU_TIGHTEN_MS, links: busy }), d.state);
    expect(d.state.cpuLevel).toBeGreaterThan(3);
    expect(camera(d).height).toBeLessThan(start);
    expect(camera(d).reason).toBe('cpu');
    const level = d.state.cpuLevel;
    const last = 1000 + 6 * CPU_TIGHTEN_MS;
    d = decideBudget(input({ now: last + CPU_RELAX_MS - 1, links: links(3) }), d.state);
    expect(d.state.cpuLevel).toBe(level);
    d = decideBudget(input({ now: last + CPU_RELAX_MS, links: links(3) }), d.state);
    expect(d.state.cpuLevel).toBe(level - 1);
  });

  it('counts encode time over all links as CPU pressure', () => {
    const d = decideBudget(input({ now: 0, links: links(5, { encodeMsPerS: 120 }) }));
    expect(d.state.cpuLevel).toBe(1);
    expect(decideBudget(input({ links: links(5, { encodeMsPerS: 50 }) })).state.cpuLevel).toBe(0);
  });

  it('encodes less when the audio we play breaks up on at least half the links, not on one', () => {
    const breaking = (n: number, of: number) =>
      links(of).map((l, i) => ({ ...l, measured: { ...l.measured, audioConcealment: i < n ? 0.2 : 0 } }));
    expect(decideBudget(input({ now: 0, links: breaking(3, 5) })).state.cpuLevel).toBe(1);
    expect(decideBudget(input({ now: 0, links: breaking(1, 5) })).state.cpuLevel).toBe(0);
    expect(decideBudget(input({ now: 0, links: breaking(1, 2) })).state.cpuLevel).toBe(1);
    const light = links(5, { audioConcealment: CONCEALMENT_BUSY / 2 });
    expect(decideBudget(input({ now: 0, links: light })).state.cpuLevel).toBe(0);
  });

  it('never pauses video for CPU alone', () => {
    let d = decideBudget(input({ links: links(7, { qualityLimitation: 'cpu' }) }));
    for (let t = 1; t < 40; t++) d = decideBudget(input({ now: t * CPU_TIGHTEN_MS, links: links(7, { qualityLimitation: 'cpu' }) }), d.state);
    expect(d.links.every((l) => l.camera.active)).toBe(true);
  });

  it('gives up picture size before frame rate: a CPU-starved room of six still sends 15 frames per second', () => {
    const busy = () => links(5, { qualityLimitation: 'cpu' });
    let d = decideBudget(input({ links: busy() }));
    for (let t = 1; t < 40; t++) d = decideBudget(input({ now: t * CPU_TIGHTEN_MS, links: busy() }), d.state);
    const c = camera(d);
    expect(c.height).toBe(CAMERA_LADDER.at(-1)!.height);
    expect(c.maxFramerate).toBe(15);
    // Every step below 270p keeps that rate; only the size shrinks.
    for (const t of CAMERA_LADDER.filter((t) => t.height < 270)) expect(t.fps).toBe(15);
    expect(captureFor(5, d.state.cpuLevel, { height: 720, fps: 30 }).fps).toBe(15);
  });

  it('sends a receiver that shows us small no more than it shows, and nothing when it turned video off', () => {
    const d = decideBudget(
      input({
        links: [
          { peerId: 'big', measured: quiet, request: { maxHeight: 720 } },
          { peerId: 'small', measured: quiet, request: { maxHeight: 200 } },
          { peerId: 'off', measured: quiet, request: { maxHeight: 0 } },
        ],
      }),
    );
    expect(camera(d, 1)).toMatchObject({ active: true, reason: 'receiver' });
    expect(camera(d, 1).height).toBeLessThanOrEqual(200);
    expect(camera(d, 0).height).toBeGreaterThan(camera(d, 1).height);
    expect(camera(d, 2)).toMatchObject({ active: false, reason: 'receiver-off' });
  });

  it('sends at most the data-saver step when the user chose "Send less video"', () => {
    const c = camera(decideBudget(input({ dataSaver: true })));
    expect(c).toMatchObject({ active: true, reason: 'data-saver' });
    expect(c.height).toBeLessThanOrEqual(180);
    expect(c.maxFramerate).toBeLessThanOrEqual(15);
  });

  it('gives the screen share its part of the link before the camera', () => {
    const plain = decideBudget(input({ links: links(3, { availableKbps: 1500 }) }));
    const shared = decideBudget(input({ links: links(3, { availableKbps: 1500 }), sharing: true }));
    const share = shared.links[0]!.share!;
    expect(share.active).toBe(true);
    expect(share.maxBitrate).toBeGreaterThan(camera(shared).maxBitrate);
    expect(share.scaleResolutionDownBy).toBe(1);
    expect(camera(shared).maxBitrate).toBeLessThan(camera(plain).maxBitrate);
    expect(camera(shared).reason).toBe('share');
    expect(plain.links[0]!.share).toBeNull();
  });

  it('lets the active speaker send more than a quiet participant under the same limits', () => {
    const quietOne = camera(decideBudget(input({ links: links(5), speaking: false })));
    const speaker = camera(decideBudget(input({ links: links(5), speaking: true })));
    expect(speaker.maxBitrate).toBeGreaterThan(quietOne.maxBitrate);
    expect(speaker.priority).not.toBe(quietOne.priority);
  });

  it('goes back up one step per decision after a dip, but down at once', () => {
    let d = decideBudget(input({ links: links(1, { availableKbps: 5000 }) }));
    expect(d.state.tiers.p0).toBe(0);
    d = decideBudget(input({ links: links(1, { availableKbps: 300 }) }), d.state);
    const low = d.state.tiers.p0!;
    expect(low).toBeGreaterThan(3);
    d = decideBudget(input({ links: links(1, { availableKbps: 5000 }) }), d.state);
    expect(d.state.tiers.p0).toBe(low - 1);
  });

  it('sends no camera when nothing is captured', () => {
    expect(camera(decideBudget(input({ capture: null }))).active).toBe(false);
  });

  it('starts from a clean state', () => {
    expect(initialBudgetState()).toMatchObject({ cpuLevel: 0, tiers: {} });
  });

  it("captures less as the room grows and on CPU pressure, never above the user's choice", () => {
    const hd = { height: 720, fps: 30 };
    expect(captureFor(1, 0, hd)).toEqual(hd);
    const four = captureFor(3, 0, hd);
    const six = captureFor(5, 0, hd);
    expect(six.height).toBeLessThan(four.height);
    expect(six.height).toBeLessThanOrEqual(270);
    expect(captureFor(5, 3, hd).height).toBeLessThan(six.height);
    expect(captureFor(1, 0, { height: 480, fps: 20 })).toEqual({ height: 480, fps: 20 });
    // The capture covers what the room's speaker may send, so speaking needs no new capture.
    const speaker = camera(decideBudget(input({ links: links(5), speaking: true, capture: six })));
    expect(speaker.scaleResolutionDownBy).toBe(1);
  });

  it('sends a room of six (five links) no more than 180p15 per link while nobody speaks', () => {
    const c = camera(decideBudget(input({ links: links(5) })));
    expect(c.height).toBeLessThanOrEqual(180);
    expect(c.maxFramerate).toBeLessThanOrEqual(15);
  });

  it('after a pause for the uplink, probes with the cheapest step so the estimate can grow again', () => {
    const slow = links(1, { availableKbps: 100, loss: 0.1 });
    let d = decideBudget(input({ now: 0, links: slow }));
    expect(camera(d)).toMatchObject({ active: false, reason: 'uplink' });
    d = decideBudget(input({ now: UPLINK_PROBE_MS - 1, links: slow }), d.state);
    expect(camera(d).active).toBe(false);
    d = decideBudget(input({ now: UPLINK_PROBE_MS, links: slow }), d.state);
    expect(camera(d)).toMatchObject({ active: true, height: CAMERA_LADDER.at(-1)!.height, reason: 'uplink' });
    // Still losing packets: the pause starts again.
    d = decideBudget(input({ now: UPLINK_PROBE_MS + 2000, links: slow }), d.state);
    expect(camera(d).active).toBe(false);
    // The next probe meets a link that carries it (its estimate still low, as it must be
    // after a pause): the probe goes on, decision after decision.
    const recovered = links(1, { availableKbps: 100, loss: 0, rttMs: 40 });
    d = decideBudget(input({ now: 2 * UPLINK_PROBE_MS + 2000, links: slow }), d.state);
    expect(camera(d).active).toBe(true);
    for (let t = 1; t <= 5; t++) {
      d = decideBudget(input({ now: 2 * UPLINK_PROBE_MS + 2000 + t * 2000, links: recovered }), d.state);
      expect(camera(d).active).toBe(true);
    }
  });
});
