/**
 * Reads what the send budget needs from one connection's `getStats()` report: the
 * link's capacity (available outgoing bitrate, loss, RTT), the encoder's load and
 * limitation, and what our camera actually sends. Pure: works on plain stats objects
 * and the previous sample, so it is tested without a browser.
 */
import type { LinkMeasurement } from './budget';

type AnyStats = { id: string; type: string; [key: string]: unknown };

/** Cumulative counters kept between two samples of one connection. */
export interface SendCounters {
  /** ms on the caller's clock */
  at: number;
  /** Σ `totalEncodeTime` (s) of every outbound video stream. */
  encodeTimeS: number;
  /** `bytesSent` of the camera's outbound video stream. */
  cameraBytes: number;
  /** Inbound audio: Σ `totalSamplesReceived`, audible concealed samples, packets received and lost. */
  audio: { samples: number; concealed: number; received: number; lost: number };
}

/** What our camera sends on one link right now. */
export interface SentVideo {
  /** kbit/s over the last interval (null on the first sample). */
  kbps: number | null;
  frameHeight: number | null;
  fps: number | null;
}

/** One reading of one connection. */
export interface LinkSample {
  measured: LinkMeasurement;
  sent: SentVideo;
  counters: SendCounters;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

type Limitation = LinkMeasurement['qualityLimitation'];
const limitation = (v: unknown): Limitation =>
  v === 'none' || v === 'cpu' || v === 'bandwidth' || v === 'other' ? v : null;

/** Inbound packets lost (fraction) above which concealment is the network's, not this machine's. */
const AUDIO_LOSS_FOR_NETWORK = 0.02;

/**
 * Audible concealment between two readings, or null when no audio packet arrived in between, a
 * counter went back (a rebuilt connection), or packets were lost (then the network, not
 * this machine, is why audio was concealed).
 */
function concealmentSince(before: SendCounters['audio'], now: SendCounters['audio']): number | null {
  const samples = now.samples - before.samples;
  const received = now.received - before.received;
  const lost = now.lost - before.lost;
  // No packet at all (a muted peer sends none): its concealment says nothing about us.
  if (samples <= 0 || received <= 0 || lost < 0 || now.concealed < before.concealed) return null;
  if (lost > AUDIO_LOSS_FOR_NETWORK * (received + lost)) return null;
  return Math.min(1, (now.concealed - before.concealed) / samples);
}

/**
 * Reads one stats report. `cameraTrackId` picks the camera's outbound stream among
 * several (a share is video too); without it, the first outbound video stream counts.
 */
export function readLinkSample(
  report: Iterable<AnyStats>,
  at: number,
  previous: SendCounters | null,
  cameraTrackId: string | null,
): LinkSample {
  const byId = new Map<string, AnyStats>();
  for (const s of report) byId.set(s.id, s);
  const all = [...byId.values()];
  const transport = all.find((s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string');
  const pair =
    (transport ? byId.get(transport.selectedCandidatePairId as string) : undefined) ??
    all.find((s) => s.type === 'candidate-pair' && (s.selected === true || (s.nominated === true && s.state === 'succeeded')));

  const outVideo = all.filter((s) => s.type === 'outbound-rtp' && s.kind === 'video');
  const camera =
    (cameraTrackId
      ? outVideo.find((s) => byId.get(String(s.mediaSourceId))?.trackIdentifier === cameraTrackId)
      : undefined) ?? (cameraTrackId ? undefined : outVideo[0]);

  let encodeTimeS = 0;
  for (const s of outVideo) encodeTimeS += num(s.totalEncodeTime) ?? 0;
  let loss: number | null = null;
  for (const s of all) {
    if (s.type !== 'remote-inbound-rtp') continue;
    const f = num(s.fractionLost);
    if (f !== null) loss = Math.max(loss ?? 0, f);
  }
  const audio = { samples: 0, concealed: 0, received: 0, lost: 0 };
  for (const s of all) {
    if (s.type !== 'inbound-rtp' || s.kind !== 'audio') continue;
    audio.samples += num(s.totalSamplesReceived) ?? 0;
    audio.concealed += Math.max(0, (num(s.concealedSamples) ?? 0) - (num(s.silentConcealedSamples) ?? 0));
    audio.received += num(s.packetsReceived) ?? 0;
    audio.lost += num(s.packetsLost) ?? 0;
  }
  const cameraBytes = num(camera?.bytesSent) ?? 0;
  const dt = previous ? (at - previous.at) / 1000 : 0;
  const fresh = previous !== null && dt > 0;
  const available = num(pair?.availableOutgoingBitrate);
  const rtt = num(pair?.currentRoundTripTime);
  return {
    measured: {
      availableKbps: available === null ? null : available / 1000,
      loss,
      rttMs: rtt === null ? null : rtt * 1000,
      qualityLimitation: limitation(camera?.qualityLimitationReason),
      encodeMsPerS: fresh ? Math.max(0, ((encodeTimeS - previous.encodeTimeS) * 1000) / dt) : null,
      audioConcealment: fresh ? concealmentSince(previous.audio, audio) : null,
    },
    sent: {
      kbps: fresh ? Math.max(0, ((cameraBytes - previous.cameraBytes) * 8) / dt / 1000) : null,
      frameHeight: num(camera?.frameHeight),
      fps: num(camera?.framesPerSecond),
    },
    counters: { at, encodeTimeS, cameraBytes, audio },
  };
}
