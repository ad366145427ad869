/**
 * The security code of one pair of participants: a short number both people can read
 * to each other to rule out a man in the middle.
 *
 * Why it works: media between two browsers is DTLS-SRTP, keyed by the two DTLS
 * certificates whose fingerprints travel in the SDP through the signaling server. A
 * server (or anyone able to rewrite signaling) that wants to listen in must replace
 * the fingerprints with those of its own certificates, one per side. Each side then
 * sees a different pair of fingerprints — its own and the interceptor's — so the two
 * codes differ. When both people see the same code, the keys of their media are held
 * by their two browsers only.
 *
 * The input is the two fingerprints of the pair (local and remote), each normalized,
 * put in sorted order so both sides hash the same text, hashed with SHA-256; the code
 * is four groups of five digits taken from the digest (about 66 bits). Framework-free.
 */

/** Digits groups shown to the user. */
const GROUPS = 4;
/** Digits per group. */
const DIGITS = 5;
/** Domain separator, so the digest is never reused as anything but this code. */
const LABEL = 'meshmeet security code v1';

/** The fingerprints of one side of a DTLS association, normalized (`sha-256 AB12…`). */
export type SideFingerprints = readonly string[];

/** Both sides' certificate fingerprints as seen from one end of the pair. */
export interface PairFingerprints {
  local: SideFingerprints;
  remote: SideFingerprints;
}

/**
 * One fingerprint in a canonical form: lower-case algorithm, a space, upper-case hex
 * without separators. SDP (`a=fingerprint:sha-256 AB:CD:…`) and getStats
 * (`fingerprintAlgorithm`, `fingerprint`) both come out the same.
 */
export function normalizeFingerprint(algorithm: string, value: string): string {
  return `${algorithm.trim().toLowerCase()} ${value.replace(/[^0-9a-f]/gi, '').toUpperCase()}`;
}

/**
 * The distinct certificate fingerprints named in an SDP (`a=fingerprint` lines, at
 * session or media level), normalized and sorted. Empty when there are none.
 */
export function sdpFingerprints(sdp: string): string[] {
  const found = new Set<string>();
  for (const m of sdp.matchAll(/^a=fingerprint:(\S+)\s+([0-9A-Fa-f:]+)\s*$/gm)) {
    found.add(normalizeFingerprint(m[1]!, m[2]!));
  }
  return [...found].sort();
}

/**
 * The security code of a pair, e.g. `"04217 88310 52962 00714"`. The same for either
 * order of the two sides; any change to either fingerprint changes it.
 *
 * @param subtle - WebCrypto (tests may pass Node's `crypto.subtle`). @default globalThis.crypto.subtle
 */
export async function securityCode(pair: PairFingerprints, subtle: SubtleCrypto = globalThis.crypto.subtle): Promise<string> {
  if (!pair.local.length || !pair.remote.length) throw new Error('Both sides need a certificate fingerprint');
  const sides = [pair.local.join(','), pair.remote.join(',')].sort();
  const input = new TextEncoder().encode(`${LABEL}\n${sides[0]}\n${sides[1]}`);
  const digest = new DataView(await subtle.digest('SHA-256', input));
  const groups: string[] = [];
  for (let i = 0; i < GROUPS; i++) {
    // 32 bits per group reduced to 5 digits: the bias (2^32 mod 10^5) is below 0.003 %.
    groups.push(String(digest.getUint32(i * 4) % 10 ** DIGITS).padStart(DIGITS, '0'));
  }
  return groups.join(' ');
}

/**
 * Reads both sides' fingerprints of a connection. Prefers the certificates the DTLS
 * handshake actually used (getStats `transport` → `certificate`, Chromium); falls back
 * to the local and remote SDP (browsers without certificate stats). Null while either
 * side is not known yet (before the offer/answer exchange).
 */
export async function readPairFingerprints(pc: RTCPeerConnection): Promise<PairFingerprints | null> {
  const fromStats = await fingerprintsFromStats(pc).catch(() => null);
  if (fromStats) return fromStats;
  const local = sdpFingerprints(pc.localDescription?.sdp ?? '');
  const remote = sdpFingerprints(pc.remoteDescription?.sdp ?? '');
  return local.length && remote.length ? { local, remote } : null;
}

/** The security code of a live connection, or null while its fingerprints are unknown. */
export async function connectionSecurityCode(pc: RTCPeerConnection): Promise<string | null> {
  const pair = await readPairFingerprints(pc);
  return pair ? securityCode(pair) : null;
}

interface TransportLike {
  type: string;
  dtlsState?: string;
  localCertificateId?: string;
  remoteCertificateId?: string;
}
interface CertificateLike {
  type: string;
  fingerprint?: string;
  fingerprintAlgorithm?: string;
}

async function fingerprintsFromStats(pc: RTCPeerConnection): Promise<PairFingerprints | null> {
  const report = await pc.getStats();
  const byId = new Map<string, unknown>();
  report.forEach((s: { id: string }) => byId.set(s.id, s));
  const certificate = (id: string | undefined): string | null => {
    const c = id ? (byId.get(id) as CertificateLike | undefined) : undefined;
    return c?.type === 'certificate' && c.fingerprint && c.fingerprintAlgorithm
      ? normalizeFingerprint(c.fingerprintAlgorithm, c.fingerprint)
      : null;
  };
  const local = new Set<string>();
  const remote = new Set<string>();
  for (const s of byId.values()) {
    const t = s as TransportLike;
    if (t.type !== 'transport' || t.dtlsState !== 'connected') continue;
    const l = certificate(t.localCertificateId);
    const r = certificate(t.remoteCertificateId);
    if (l && r) {
      local.add(l);
      remote.add(r);
    }
  }
  return local.size && remote.size ? { local: [...local].sort(), remote: [...remote].sort() } : null;
}
