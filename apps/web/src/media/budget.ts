/**
 * The send budget of a mesh: what each outgoing camera (and screen share) stream may cost,
 * per link, decided from the number of peers, what each link measures (available outgoing
 * bitrate, loss, RTT), how busy the CPU is, what each receiver asked for, and the user's
 * choices. Pure: no browser API, no clock; the caller samples stats and applies the
 * decision with `RTCRtpSender.setParameters` (see `budget-controller.ts`).
 *
 * Why per link: in a mesh every participant encodes and uploads its camera once per peer,
 * so an uplink and a CPU that carry one 720p30 stream collapse at five or six peers.
 *
 * Order of protection, highest first:
 * 1. audio — reserved out of every link budget before any video, and sent with `high`
 *    priority, so speech keeps flowing when video cannot;
 * 2. screen share — takes its part of the link before the camera does;
 * 3. the active speaker's camera — a speaking sender may claim a larger part of the room's
 *    uplink than the others (who send less while someone else speaks);
 * 4. everyone else's camera.
 * Below the cheapest video step, on a link that loses packets, the camera is paused (`active: false`) with a reason the receiver's tile
 * shows, instead of sending video that freezes.
 */

/** Why a stream is sent below the top quality (or paused). Shown to both sides. */
export type BudgetReason =
  | 'none'
  /** The link's measured capacity (available bitrate, loss, RTT). */
  | 'uplink'
  /** The encoder is CPU-bound (`qualityLimitationReason: cpu`, or encode time too high). */
  | 'cpu'
  /** The receiver shows us small (or hidden / off-screen). */
  | 'receiver'
  /** The receiver turned incoming video off. */
  | 'receiver-off'
  /** The room's size: one uplink shared among many peers. */
  | 'room'
  /** The user chose "Send less video". */
  | 'data-saver'
  /** The screen share took this link's bandwidth first. */
  | 'share';

/** One step of the camera ladder: picture height, frame rate and the bitrate it needs. */
export interface Tier {
  height: number;
  fps: number;
  kbps: number;
}

/**
 * Camera steps, best first. Bitrates are what VP8 needs for a watchable picture at that
 * size and rate; the last step is the least video worth sending. Below 270p the frame rate
 * stays at 15 and only the size shrinks: a picture small enough for 120p or 90p shows
 * little detail anyway, but lips and gestures turn jerky below about 15 frames per second,
 * and a busy receiver drops a few frames on top of what is sent, so a step that sends 12
 * leaves too little margin.
 */
export const CAMERA_LADDER: readonly Tier[] = Object.freeze([
  { height: 720, fps: 30, kbps: 1500 },
  { height: 540, fps: 30, kbps: 1000 },
  { height: 360, fps: 30, kbps: 600 },
  { height: 360, fps: 20, kbps: 450 },
  { height: 270, fps: 20, kbps: 300 },
  { height: 180, fps: 15, kbps: 170 },
  { height: 120, fps: 15, kbps: 110 },
  { height: 90, fps: 15, kbps: 80 },
]);

/** Kept for audio (Opus plus packet overhead) out of every link before video gets any. */
export const AUDIO_RESERVE_KBPS = 48;
/** Most a screen share may take of one link. */
export const SHARE_MAX_KBPS = 1500;
/** Share of a link's video budget a screen share takes first. */
export const SHARE_PART = 0.7;
/** Least a share needs to be readable (text at a low frame rate). */
export const SHARE_MIN_KBPS = 100;
/** Uplink assumed before anything is measured: a modest home line. */
export const DEFAULT_UPLINK_KBPS = 3000;
/** Encoded pixels per second assumed affordable for one link at CPU level 0: one 720p30. */
export const BASE_PIXEL_RATE = 1280 * 720 * 30;
/**
 * How fast the per-link pixel budget shrinks with the number of links: budget per link =
 * BASE / links^ROOM_EXPONENT. Steeper than 1 because every added peer costs one more
 * encode and one more decode (the peer sends to us at a similar size), and the grid shows
 * each tile smaller: 1 link 720p30, 2 → 360p30, 3 → 360p20, 4 → 270p20, 5 to 10 → 180p15,
 * more → 120p15.
 */
export const ROOM_EXPONENT = 1.5;
/** Each CPU level scales the pixel-rate budget by this. */
export const CPU_STEP = 0.7;
/** Fraction of one core spent encoding (sum over links) above which the CPU counts as busy. */
export const ENCODE_BUSY_FRACTION = 0.5;
/**
 * Audible concealment of the audio we receive (fraction) above which, on at least half of
 * the links at once, the CPU counts as busy: one peer's audio breaking up is that peer's
 * trouble, most peers' at once is this machine's playout running late.
 */
export const CONCEALMENT_BUSY = 0.05;
/** CPU level goes back up only after this long without CPU pressure. */
export const CPU_RELAX_MS = 10_000;
/** CPU level goes further down at most this often (the encoder needs time to react). */
export const CPU_TIGHTEN_MS = 3_000;
/** Room share weight of a sender who is the active speaker (others use 1). */
export const SPEAKER_WEIGHT = 1.5;
/** The most a "Send less video" link may send. */
export const DATA_SAVER_TIER: Tier = { height: 180, fps: 15, kbps: 170 };
/** Loss above this fraction (0..1) shrinks the link budget. */
export const LOSS_THRESHOLD = 0.05;
/**
 * A camera paused for a link's measured capacity sends the cheapest step again after this
 * long: with no video on the link the sender's bandwidth estimate has nothing to grow on,
 * so a pause would otherwise last for good once the link recovered. The probe goes on for
 * as long as the link carries it without loss.
 */
export const UPLINK_PROBE_MS = 8_000;
/** RTT above this (ms) is taken as a queue building up on the uplink. */
export const RTT_THRESHOLD_MS = 400;

/** What one link measured lately (null when not yet known). */
export interface LinkMeasurement {
  /** `availableOutgoingBitrate` of the selected candidate pair, kbit/s. */
  availableKbps: number | null;
  /** Fraction (0..1) of our packets the receiver reported lost lately. */
  loss: number | null;
  rttMs: number | null;
  /** `qualityLimitationReason` of our camera encoder on this link. */
  qualityLimitation: 'none' | 'cpu' | 'bandwidth' | 'other' | null;
  /** Milliseconds spent encoding per second of wall time on this link (0..1000). */
  encodeMsPerS: number | null;
  /**
   * Fraction (0..1) of the audio we played from this peer lately that was concealed
   * audibly (not counting silence), on a link that lost no packets: the audio arrived, and
   * this machine was too busy to play it in time. null when no audio arrived or packets were lost.
   */
  audioConcealment?: number | null;
}

/** What a receiver asked of us: the tallest picture it shows; 0 = no video at all. */
export interface ReceiverRequest {
  maxHeight: number;
}

/** One remote participant's link. */
export interface LinkInput {
  peerId: string;
  measured: LinkMeasurement;
  /** null until the receiver says what it needs. */
  request: ReceiverRequest | null;
}

/** What {@link decideBudget} carries from one decision to the next. */
export interface BudgetState {
  /** 0 = full pixel budget; each level multiplies it by {@link CPU_STEP}. */
  cpuLevel: number;
  /** When the CPU level last changed (ms, caller's clock). */
  cpuChangedAt: number;
  /** Last time CPU pressure was seen. */
  cpuBusyAt: number;
  /** Ladder index last chosen per link (upgrades go one step per decision). */
  tiers: Record<string, number>;
  /** When each link's camera was paused for its measured capacity (ms, caller's clock). */
  pausedAt?: Record<string, number>;
}

/** Everything one decision needs. */
export interface BudgetInput {
  /** Now, on the caller's clock (ms). */
  now: number;
  links: readonly LinkInput[];
  /** Size of the camera picture being captured (the budget never scales up). */
  capture: { height: number; fps: number } | null;
  /** Whether we send a screen share to every link. */
  sharing: boolean;
  /** Whether we are the room's active speaker now. */
  speaking: boolean;
  /** "Send less video". */
  dataSaver: boolean;
  /** Uplink to assume for the whole room (kbit/s). @default DEFAULT_UPLINK_KBPS */
  uplinkKbps?: number;
}

/** Encoding settings for one sender, in `RTCRtpEncodingParameters` terms, and why. */
export interface StreamDecision {
  active: boolean;
  /** bit/s */
  maxBitrate: number;
  scaleResolutionDownBy: number;
  maxFramerate: number;
  priority: RTCPriorityType;
  /** The tightest limit that applied; `none` at full quality. */
  reason: BudgetReason;
  /** Picture height sent (0 when paused). */
  height: number;
}

/** The decision for one link. */
export interface LinkDecision {
  peerId: string;
  camera: StreamDecision;
  /** null when we share nothing. */
  share: StreamDecision | null;
  /** Video budget of the link after the audio reserve (kbit/s), for the details panel. */
  videoKbps: number;
}

/** The outcome of {@link decideBudget}. */
export interface BudgetDecision {
  links: LinkDecision[];
  state: BudgetState;
}

/** The state before the first decision. */
export function initialBudgetState(): BudgetState {
  return { cpuLevel: 0, cpuChangedAt: -Infinity, cpuBusyAt: -Infinity, tiers: {} };
}

const MAX_CPU_LEVEL = maxCpuLevel();

/** Deepest CPU level that still allows the cheapest step on one link: CPU alone never pauses video. */
function maxCpuLevel(): number {
  const last = CAMERA_LADDER[CAMERA_LADDER.length - 1]!;
  const least = ((last.height * 16) / 9) * last.height * last.fps;
  return Math.floor(Math.log(least / BASE_PIXEL_RATE) / Math.log(CPU_STEP));
}

/**
 * Whether any link shows CPU pressure now: an encoder limited by the CPU, encoding taking
 * too much of a core, or the audio we play breaking up on most links. Audio is protected
 * first: when this machine cannot play what arrives, it encodes less video.
 */
function cpuBusy(links: readonly LinkInput[]): boolean {
  const encodeMs = links.reduce((sum, l) => sum + (l.measured.encodeMsPerS ?? 0), 0);
  const concealing = links.filter((l) => (l.measured.audioConcealment ?? 0) > CONCEALMENT_BUSY).length;
  return (
    links.some((l) => l.measured.qualityLimitation === 'cpu') ||
    encodeMs > ENCODE_BUSY_FRACTION * 1000 ||
    (concealing > 0 && concealing * 2 >= links.length)
  );
}

/** Moves the CPU level: down fast on pressure, up slowly when quiet. */
function nextCpuState(prev: BudgetState, input: BudgetInput): Pick<BudgetState, 'cpuLevel' | 'cpuChangedAt' | 'cpuBusyAt'> {
  const busy = cpuBusy(input.links);
  const { now } = input;
  let { cpuLevel, cpuChangedAt } = prev;
  const cpuBusyAt = busy ? now : prev.cpuBusyAt;
  if (busy && cpuLevel < MAX_CPU_LEVEL && now - cpuChangedAt >= CPU_TIGHTEN_MS) {
    cpuLevel += 1;
    cpuChangedAt = now;
  } else if (!busy && cpuLevel > 0 && now - cpuBusyAt >= CPU_RELAX_MS && now - cpuChangedAt >= CPU_RELAX_MS) {
    cpuLevel -= 1;
    cpuChangedAt = now;
  }
  return { cpuLevel, cpuChangedAt, cpuBusyAt };
}

/** Video kbit/s one link can carry by its own measurements (null = not measured yet). */
function measuredVideoKbps(m: LinkMeasurement): number | null {
  if (m.availableKbps === null) return null;
  let kbps = m.availableKbps * 0.85;
  if (m.loss !== null && m.loss > LOSS_THRESHOLD) kbps *= 1 - Math.min(0.5, m.loss * 2);
  if (m.rttMs !== null && m.rttMs > RTT_THRESHOLD_MS) kbps *= 0.8;
  return Math.max(0, kbps - AUDIO_RESERVE_KBPS);
}

/**
 * Whether a link shows that it cannot carry what it is given: it loses packets. A long RTT
 * alone is not enough: a starved CPU on either end delays packets by hundreds of
 * milliseconds on a link that carries everything (it still shrinks the link's budget).
 */
function isFailing(m: LinkMeasurement): boolean {
  return m.loss !== null && m.loss > LOSS_THRESHOLD;
}

const paused = (reason: BudgetReason): StreamDecision => ({
  active: false,
  maxBitrate: 0,
  scaleResolutionDownBy: 1,
  maxFramerate: 1,
  priority: 'very-low',
  reason,
  height: 0,
});

/** A pixel count for a picture of this height (16:9, the widest we capture). */
const pixelsPerSecond = (t: Tier): number => ((t.height * 16) / 9) * t.height * t.fps;

/** Encoded pixels per second one link may cost with `links` links, at a CPU level and speaker weight. */
function roomPixelBudget(links: number, cpuLevel: number, weight: number): number {
  return (BASE_PIXEL_RATE * weight * CPU_STEP ** cpuLevel) / Math.max(1, links) ** ROOM_EXPONENT;
}

/** The first ladder step within a pixel budget (the cheapest step when none is). */
function stepWithin(pixelBudget: number): Tier {
  return CAMERA_LADDER.find((t) => pixelsPerSecond(t) <= pixelBudget) ?? CAMERA_LADDER[CAMERA_LADDER.length - 1]!;
}

/**
 * The camera capture a room needs: the best step any one link may get from the room's
 * size and the CPU level (as if we were the active speaker, so speaking needs no new
 * capture), never above what the user chose (`ceiling`). Capturing more than any link
 * sends only costs CPU: the camera (or the browser's scaler) produces pixels that every
 * encoder then throws away. Measured bandwidth is left out on purpose: it moves every few
 * seconds, and reopening a camera that often would flicker.
 */
export function captureFor(links: number, cpuLevel: number, ceiling: { height: number; fps: number }): { height: number; fps: number } {
  const weight = links > 1 ? SPEAKER_WEIGHT : 1;
  const step = stepWithin(roomPixelBudget(links, cpuLevel, weight));
  return { height: Math.min(step.height, ceiling.height), fps: Math.min(step.fps, ceiling.fps) };
}

/**
 * Decides every link's camera (and share) encoding. Deterministic: the same input and
 * state give the same decision.
 */
export function decideBudget(input: BudgetInput, prev: BudgetState = initialBudgetState()): BudgetDecision {
  const cpu = nextCpuState(prev, input);
  const links = input.links;
  const n = Math.max(1, links.length);
  const uplink = input.uplinkKbps ?? DEFAULT_UPLINK_KBPS;
  const weight = input.speaking && links.length > 1 ? SPEAKER_WEIGHT : 1;
  // The room share: this sender's part of its uplink for one link, audio kept aside.
  const roomKbps = Math.max(0, (uplink * weight) / n - AUDIO_RESERVE_KBPS);
  const pixelBudget = roomPixelBudget(links.length, cpu.cpuLevel, weight);
  const tiers: Record<string, number> = {};
  const pausedAt: Record<string, number> = {};
  const out: LinkDecision[] = [];

  for (const link of links) {
    const measured = measuredVideoKbps(link.measured);
    let videoKbps = roomKbps;
    let kbpsReason: BudgetReason = 'room';
    if (measured !== null && measured < videoKbps) {
      videoKbps = measured;
      kbpsReason = 'uplink';
    }

    let share: StreamDecision | null = null;
    let cameraKbps = videoKbps;
    if (input.sharing) {
      const shareKbps = Math.min(SHARE_MAX_KBPS, videoKbps * SHARE_PART);
      if (shareKbps >= SHARE_MIN_KBPS) {
        share = {
          active: true,
          maxBitrate: Math.round(shareKbps * 1000),
          scaleResolutionDownBy: 1,
          maxFramerate: shareKbps >= 600 ? 15 : 5,
          priority: 'medium',
          reason: shareKbps < SHARE_MAX_KBPS ? kbpsReason : 'none',
          height: Infinity,
        };
        cameraKbps = videoKbps - shareKbps;
        kbpsReason = 'share';
      } else {
        share = paused(kbpsReason);
      }
    }

    const camera = chooseCamera({
      input,
      link,
      cameraKbps,
      kbpsReason,
      // What the room's share alone would let the camera send, the link's estimate aside.
      roomCameraKbps: input.sharing ? roomKbps * (1 - SHARE_PART) : roomKbps,
      pixelBudget,
      cpuLevel: cpu.cpuLevel,
      prevTier: prev.tiers[link.peerId],
      pausedAt: prev.pausedAt?.[link.peerId],
    });
    if (camera.tier !== null) tiers[link.peerId] = camera.tier;
    if (camera.pausedAt !== undefined) pausedAt[link.peerId] = camera.pausedAt;
    out.push({ peerId: link.peerId, camera: camera.decision, share, videoKbps: Math.round(videoKbps) });
  }
  return { links: out, state: { ...cpu, tiers, pausedAt } };
}

interface CameraChoice {
  input: BudgetInput;
  link: LinkInput;
  cameraKbps: number;
  kbpsReason: BudgetReason;
  /** The camera's kbit/s by the room's share alone (no measurement): the most headroom may reach. */
  roomCameraKbps: number;
  pixelBudget: number;
  cpuLevel: number;
  prevTier: number | undefined;
  /** When this link's camera was paused for its capacity (undefined: it was not). */
  pausedAt: number | undefined;
}

/** Picks the best ladder step every limit allows, naming the limit that bound it. */
function chooseCamera(c: CameraChoice): { decision: StreamDecision; tier: number | null; pausedAt?: number } {
  const { input, link } = c;
  if (!input.capture) return { decision: paused('none'), tier: null };
  if (link.request && link.request.maxHeight <= 0) return { decision: paused('receiver-off'), tier: null };

  // Every limit, with the reason it stands for; the first step that passes them all wins.
  const limits: { reason: BudgetReason; ok: (t: Tier) => boolean }[] = [
    { reason: c.kbpsReason, ok: (t) => t.kbps <= c.cameraKbps },
    // At level 0 the pixel budget is an assumption shared by the room, not a measurement.
    { reason: c.cpuLevel > 0 ? 'cpu' : 'room', ok: (t) => pixelsPerSecond(t) <= c.pixelBudget || t === CAMERA_LADDER[CAMERA_LADDER.length - 1] },
  ];
  if (link.request) limits.push({ reason: 'receiver', ok: (t) => t.height <= Math.max(link.request!.maxHeight, CAMERA_LADDER.at(-1)!.height) });
  if (input.dataSaver) limits.push({ reason: 'data-saver', ok: (t) => t.height <= DATA_SAVER_TIER.height && t.fps <= DATA_SAVER_TIER.fps });

  let index = -1;
  let reason: BudgetReason = 'none';
  for (let i = 0; i < CAMERA_LADDER.length; i++) {
    const tier = CAMERA_LADDER[i]!;
    const failed = limits.find((l) => !l.ok(tier));
    if (!failed) {
      index = i;
      break;
    }
    // The reason reported is the limit that stopped the step just above the chosen one.
    reason = failed.reason;
  }
  // Only the bitrate limit can fail the cheapest step. A low estimate alone is no reason to
  // pause: an estimate only grows with what is sent (audio alone keeps it near audio's
  // rate), and a busy CPU delays packets enough to make it dip on a link that carries
  // everything. So the camera pauses only on a link that shows it is failing (it loses
  // packets), and otherwise keeps the cheapest step, its encoder following the estimate down.
  if (index < 0) {
    const now = c.input.now;
    const probing = c.pausedAt !== undefined && now - c.pausedAt >= UPLINK_PROBE_MS;
    if (isFailing(link.measured) && !probing) return { decision: paused(reason), tier: null, pausedAt: c.pausedAt ?? now };
    // Paused long enough (a probe), or an estimate the link contradicts: the cheapest step.
    // A probe that meets loss pauses again at the next decision.
    index = CAMERA_LADDER.length - 1;
  }
  // Upgrades go one step at a time (no oscillation after a short dip); downgrades at once.
  if (c.prevTier !== undefined && index < c.prevTier - 1) index = c.prevTier - 1;
  const tier = CAMERA_LADDER[index]!;
  const height = Math.min(tier.height, input.capture.height);
  const fps = Math.min(tier.fps, input.capture.fps);
  return {
    decision: {
      active: true,
      maxBitrate: Math.round(ceilingKbps(tier, index, reason, c.roomCameraKbps) * 1000),
      scaleResolutionDownBy: Math.max(1, input.capture.height / height),
      maxFramerate: fps,
      priority: input.speaking ? 'medium' : 'low',
      reason,
      height,
    },
    tier: index,
  };
}

/**
 * The bitrate cap of a chosen step. When the link's own estimate chose the step, the cap
 * reaches up to the next step's bitrate (within the room's share): a sender's bandwidth
 * estimate only grows with what it actually sends (Chromium keeps it near 1.5 times the
 * acknowledged rate), so a cap at the chosen step's bitrate would hold the link on that
 * step for good, and links that had one bad moment would never see a larger picture again.
 * The encoder still follows the estimate below the cap, so the headroom never pushes more
 * into a link than it measured it can carry.
 */
function ceilingKbps(tier: Tier, index: number, reason: BudgetReason, roomCameraKbps: number): number {
  if (reason !== 'uplink' || index === 0) return tier.kbps;
  return Math.max(tier.kbps, Math.min(CAMERA_LADDER[index - 1]!.kbps, roomCameraKbps));
}
