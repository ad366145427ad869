/**
 * Per-connection details for the "connection info" panel, from `getStats()`.
 * The pure part ({@link summarizeStats}, {@link computeDetails}) works on plain stats
 * objects so it can be tested without a browser.
 */

/** How media travels between us and a participant. */
export type Route = 'direct' | 'relayed' | 'unknown';

/** What the UI shows about one connection. Numbers are null until measurable. */
export interface ConnectionDetails {
  connectionState: RTCPeerConnectionState;
  /** Round-trip time of the selected candidate pair, in ms. */
  rttMs: number | null;
  /** Media received, all tracks, in kbit/s over the last interval. */
  inboundKbps: number | null;
  /** Media sent, all tracks, in kbit/s over the last interval. */
  outboundKbps: number | null;
  /** Lost inbound packets in the last interval (or since the start), in percent. */
  packetLossPercent: number | null;
  /** Candidate types of the selected pair: host, srflx, prflx or relay. */
  localCandidateType: string | null;
  remoteCandidateType: string | null;
  /** Transport protocol of the selected local candidate (udp/tcp). */
  protocol: string | null;
  /** `relayed` when either end of the selected pair is a TURN relay. */
  route: Route;
}

/** Counters from one `getStats()` call. */
export interface StatsSample {
  /** Timestamp of the sample, ms. */
  at: number;
  bytesReceived: number;
  bytesSent: number;
  packetsReceived: number;
  packetsLost: number;
  rttMs: number | null;
  localCandidateType: string | null;
  remoteCandidateType: string | null;
  protocol: string | null;
}

type AnyStats = { id: string; type: string; [key: string]: unknown };

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Reads the counters we need from one stats report (any iterable of stats objects). */
export function summarizeStats(report: Iterable<AnyStats>, at: number): StatsSample {
  const byId = new Map<string, AnyStats>();
  for (const s of report) byId.set(s.id, s);
  const all = [...byId.values()];
  let pair: AnyStats | undefined;
  // The transport names the selected pair (spec); Firefox marks the pair `selected` instead.
  const transport = all.find((s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string');
  if (transport) pair = byId.get(transport.selectedCandidatePairId as string);
  pair ??= all.find((s) => s.type === 'candidate-pair' && (s.selected === true || (s.nominated === true && s.state === 'succeeded')));
  const local = pair ? byId.get(str(pair.localCandidateId) ?? '') : undefined;
  const remote = pair ? byId.get(str(pair.remoteCandidateId) ?? '') : undefined;
  const sample: StatsSample = {
    at,
    bytesReceived: 0,
    bytesSent: 0,
    packetsReceived: 0,
    packetsLost: 0,
    rttMs: pair && typeof pair.currentRoundTripTime === 'number' ? pair.currentRoundTripTime * 1000 : null,
    localCandidateType: str(local?.candidateType),
    remoteCandidateType: str(remote?.candidateType),
    protocol: str(local?.protocol),
  };
  for (const s of all) {
    if (s.type === 'inbound-rtp') {
      sample.bytesReceived += num(s.bytesReceived);
      sample.packetsReceived += num(s.packetsReceived);
      sample.packetsLost += num(s.packetsLost);
    } else if (s.type === 'outbound-rtp') {
      sample.bytesSent += num(s.bytesSent);
    }
  }
  return sample;
}

/** Turns a sample (and the previous one, for rates) into {@link ConnectionDetails}. */
export function computeDetails(
  current: StatsSample,
  previous: StatsSample | null,
  connectionState: RTCPeerConnectionState,
): ConnectionDetails {
  const dt = previous ? current.at - previous.at : 0;
  const rate = (now: number, before: number) => (dt > 0 ? Math.max(0, ((now - before) * 8) / dt) : null);
  const lost = previous ? current.packetsLost - previous.packetsLost : current.packetsLost;
  const received = previous ? current.packetsReceived - previous.packetsReceived : current.packetsReceived;
  const types = [current.localCandidateType, current.remoteCandidateType];
  return {
    connectionState,
    rttMs: current.rttMs,
    // bytes * 8 / ms = kbit/s
    inboundKbps: previous ? rate(current.bytesReceived, previous.bytesReceived) : null,
    outboundKbps: previous ? rate(current.bytesSent, previous.bytesSent) : null,
    packetLossPercent: lost + received > 0 ? (Math.max(0, lost) / (Math.max(0, lost) + received)) * 100 : null,
    localCandidateType: current.localCandidateType,
    remoteCandidateType: current.remoteCandidateType,
    protocol: current.protocol,
    route: types.includes('relay') ? 'relayed' : types.every((t) => t !== null) ? 'direct' : 'unknown',
  };
}

const lastSamples = new WeakMap<RTCPeerConnection, StatsSample>();
/** A previous sample older than this is too stale to compute a rate from. */
const MAX_SAMPLE_AGE_MS = 10_000;
/** When there is no usable previous sample, wait this long for a second one. */
const FIRST_INTERVAL_MS = 500;

async function sample(pc: RTCPeerConnection): Promise<StatsSample> {
  const report = await pc.getStats();
  return summarizeStats(report.values() as Iterable<AnyStats>, performance.now());
}

/**
 * Connection details of one RTCPeerConnection. Rates come from the previous call when
 * it is recent (the UI polls), else from a second sample taken 500 ms later.
 */
export async function collectConnectionDetails(pc: RTCPeerConnection): Promise<ConnectionDetails> {
  let previous = lastSamples.get(pc) ?? null;
  let current = await sample(pc);
  if (!previous || current.at - previous.at > MAX_SAMPLE_AGE_MS) {
    previous = current;
    await new Promise((r) => setTimeout(r, FIRST_INTERVAL_MS));
    current = await sample(pc);
  }
  lastSamples.set(pc, current);
  return computeDetails(current, previous, pc.connectionState);
}
