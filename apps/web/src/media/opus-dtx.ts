/**
 * Opus DTX (discontinuous transmission) for what this client sends. While a person is
 * silent, an Opus encoder with DTX sends one small packet every 400 ms instead of fifty
 * a second, and the receiver plays comfort noise in between. In a mesh every participant
 * sends their microphone once per peer and decodes and mixes everyone else's, and at any
 * moment most of a room is silent: measured in a room of six on two cores, audio was half
 * of all the CPU the browsers used.
 *
 * DTX is a receiver's preference in SDP (`usedtx=1` on the Opus format, RFC 7587), and a
 * sender follows what the remote description says. So the description received from a
 * peer is given `usedtx=1` before it is applied: this client then sends DTX to that peer.
 * Every Opus decoder must play DTX streams, so the peer needs nothing for it; an explicit
 * `usedtx=0` from the peer is kept.
 */

const LINE = /\r?\n/;

/** Returns `sdp` with `usedtx=1` on every Opus format that does not state `usedtx`. */
export function withOpusDtx(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(LINE);
  const opus = new Set<string>();
  for (const line of lines) {
    const m = /^a=rtpmap:(\d+) opus\/48000/i.exec(line);
    if (m) opus.add(m[1]!);
  }
  if (opus.size === 0) return sdp;
  const withFmtp = new Set<string>();
  const out = lines.map((line) => {
    const m = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (!m || !opus.has(m[1]!)) return line;
    withFmtp.add(m[1]!);
    return /(^|;)\s*usedtx=/.test(m[2]!) ? line : `${line};usedtx=1`;
  });
  // A format with no fmtp line at all gets one, right after its rtpmap.
  return out
    .flatMap((line) => {
      const m = /^a=rtpmap:(\d+) opus\/48000/i.exec(line);
      return m && !withFmtp.has(m[1]!) ? [line, `a=fmtp:${m[1]} usedtx=1`] : [line];
    })
    .join(eol);
}
