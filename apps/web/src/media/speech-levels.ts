/**
 * Speech levels for the active-speaker highlight, read from what WebRTC already measures
 * instead of from a WebAudio analyser per participant. An AudioContext runs its own
 * real-time render thread for the whole call and pulls every remote track through it a
 * second time (they are already played by `CallAudio`), which costs a busy six-person page
 * a few per cent of a core; the numbers below cost one synchronous read per remote track and
 * one small `getStats` per tick.
 *
 * - A remote participant's level is the newest RTP packet's audio level as their browser
 *   wrote it in the packet header (RFC 6464, `getSynchronizationSources()`), so it is
 *   exactly what they send; a stream that stopped counts as silent.
 * - Our own level is our microphone's `media-source` stats (`audioLevel`) on one of our
 *   connections. Alone in a room there is no connection and so no own highlight: the
 *   lobby's meter is where a person checks their microphone.
 */

/** A level older than this is from a stream that stopped: silent. */
export const FRESH_LEVEL_MS = 1000;

/** One participant whose speech level is wanted. */
export interface LevelSource {
  id: string;
  /** The audio track to read: theirs as received, or our microphone; null when muted. */
  track: MediaStreamTrack | null;
  /** Our own microphone (read from a sender), not a received track. */
  local: boolean;
}

/** The part of RTCRtpReceiver this reads. */
type LevelReceiver = Pick<RTCRtpReceiver, 'track' | 'getSynchronizationSources'>;

/** The part of RTCPeerConnection this reads. */
export interface LevelConnection {
  readonly connectionState: RTCPeerConnectionState;
  getReceivers(): LevelReceiver[];
  getSenders(): Pick<RTCRtpSender, 'track'>[];
  getStats(selector?: MediaStreamTrack | null): Promise<RTCStatsReport>;
}

/** Now on the clock of `RTCRtpSynchronizationSource.timestamp` (time origin + performance.now()). */
export const levelClockNow = (): number => performance.timeOrigin + performance.now();

/**
 * The level (0..1, linear) of the newest packet `receiver` played, or 0 when nothing played
 * within {@link FRESH_LEVEL_MS} of `nowMs` or the sender wrote no level.
 */
export function receiverLevel(receiver: Pick<RTCRtpReceiver, 'getSynchronizationSources'>, nowMs: number): number {
  let newest: RTCRtpSynchronizationSource | null = null;
  for (const s of receiver.getSynchronizationSources()) if (!newest || s.timestamp > newest.timestamp) newest = s;
  if (!newest || nowMs - newest.timestamp > FRESH_LEVEL_MS) return 0;
  return typeof newest.audioLevel === 'number' ? newest.audioLevel : 0;
}

/** Our microphone's level (0..1) from the `media-source` stats of the connection sending it. */
async function senderLevel(pc: LevelConnection, track: MediaStreamTrack): Promise<number> {
  // Stats for one track are a small report (its RTP stream and what it references).
  const report = await pc.getStats(track);
  for (const s of report.values() as Iterable<{ type?: string; kind?: string; audioLevel?: number }>) {
    if (s.type === 'media-source' && s.kind === 'audio' && typeof s.audioLevel === 'number') return s.audioLevel;
  }
  return 0;
}

/**
 * Reads the level of every source that has a track: remote ones from the connection to that
 * participant, ours from the first connected connection that sends our microphone.
 * Unreadable sources are left out (no highlight), never thrown.
 */
export async function readSpeechLevels(
  sources: readonly LevelSource[],
  connections: ReadonlyMap<string, LevelConnection>,
  nowMs: number,
): Promise<Map<string, number>> {
  const levels = new Map<string, number>();
  for (const { id, track, local } of sources) {
    if (!track || track.readyState !== 'live') continue;
    try {
      if (local) {
        const pc = [...connections.values()].find((c) => c.connectionState === 'connected' && c.getSenders().some((s) => s.track === track));
        if (pc) levels.set(id, await senderLevel(pc, track));
      } else {
        const receiver = connections.get(id)?.getReceivers().find((r) => r.track === track);
        if (receiver) levels.set(id, receiverLevel(receiver, nowMs));
      }
    } catch (e) {
      console.warn('[meshmeet] cannot read the audio level of', id, e);
    }
  }
  return levels;
}
