import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { normalizeFingerprint, readPairFingerprints, sdpFingerprints, securityCode } from './security-code';

// Three made-up certificate fingerprints (any 32 bytes will do for the code).
const fp = (seed: string) => normalizeFingerprint('sha-256', createHash('sha256').update(seed).digest('hex'));
const ALICE = [fp('alice')];
const BOB = [fp('bob')];
const CAROL = [fp('carol')];
const MALLORY = [fp('mallory')];

const colonHex = (seed: string) =>
  createHash('sha256')
    .update(seed)
    .digest('hex')
    .toUpperCase()
    .match(/../g)!
    .join(':');

describe('security code', () => {
  it('is four groups of five digits', async () => {
    expect(await securityCode({ local: ALICE, remote: BOB })).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);
  });

  it('is the same on both sides of a pair (local and remote swapped)', async () => {
    const atAlice = await securityCode({ local: ALICE, remote: BOB });
    const atBob = await securityCode({ local: BOB, remote: ALICE });
    expect(atBob).toBe(atAlice);
  });

  it('differs between different pairs', async () => {
    const ab = await securityCode({ local: ALICE, remote: BOB });
    const ac = await securityCode({ local: ALICE, remote: CAROL });
    const bc = await securityCode({ local: BOB, remote: CAROL });
    expect(new Set([ab, ac, bc]).size).toBe(3);
  });

  it('differs on the two sides when signaling swapped a fingerprint for its own (man in the middle)', async () => {
    // Mallory relays the SDP: Alice is given Mallory's fingerprint instead of Bob's and
    // Bob is given Mallory's instead of Alice's.
    const atAlice = await securityCode({ local: ALICE, remote: MALLORY });
    const atBob = await securityCode({ local: BOB, remote: MALLORY });
    expect(atAlice).not.toBe(atBob);
    expect(atAlice).not.toBe(await securityCode({ local: ALICE, remote: BOB }));
  });

  it('changes when one hex digit of a fingerprint changes', async () => {
    const hex = ALICE[0]!.split(' ')[1]!;
    const flipped = `sha-256 ${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`;
    expect(await securityCode({ local: [flipped], remote: BOB })).not.toBe(await securityCode({ local: ALICE, remote: BOB }));
  });

  it('refuses a side with no fingerprint rather than hashing nothing', async () => {
    await expect(securityCode({ local: [], remote: BOB })).rejects.toThrow(/fingerprint/);
  });
});

describe('fingerprints', () => {
  it('normalizes SDP and getStats spellings to one form', () => {
    const value = colonHex('x');
    expect(normalizeFingerprint('SHA-256', value.toLowerCase())).toBe(normalizeFingerprint('sha-256', value));
    expect(normalizeFingerprint('sha-256', value)).toBe(`sha-256 ${value.replace(/:/g, '')}`);
  });

  it('reads every distinct a=fingerprint line of an SDP', () => {
    const a = colonHex('a');
    const sdp = [
      'v=0',
      'o=- 1 2 IN IP4 127.0.0.1',
      'm=audio 9 UDP/TLS/RTP/SAVPF 111',
      `a=fingerprint:sha-256 ${a}`,
      'm=video 9 UDP/TLS/RTP/SAVPF 96',
      `a=fingerprint:sha-256 ${a}`,
      '',
    ].join('\r\n');
    expect(sdpFingerprints(sdp)).toEqual([normalizeFingerprint('sha-256', a)]);
    expect(sdpFingerprints('v=0\r\n')).toEqual([]);
  });

  it('prefers the certificates of the connected DTLS transport over the SDP', async () => {
    const used = { local: colonHex('used-local'), remote: colonHex('used-remote') };
    const pc = {
      localDescription: { sdp: `a=fingerprint:sha-256 ${colonHex('sdp-local')}\r\n` },
      remoteDescription: { sdp: `a=fingerprint:sha-256 ${colonHex('sdp-remote')}\r\n` },
      getStats: async () =>
        new Map<string, object>([
          ['T', { id: 'T', type: 'transport', dtlsState: 'connected', localCertificateId: 'CL', remoteCertificateId: 'CR' }],
          ['CL', { id: 'CL', type: 'certificate', fingerprintAlgorithm: 'sha-256', fingerprint: used.local }],
          ['CR', { id: 'CR', type: 'certificate', fingerprintAlgorithm: 'sha-256', fingerprint: used.remote }],
        ]),
    } as unknown as RTCPeerConnection;
    expect(await readPairFingerprints(pc)).toEqual({
      local: [normalizeFingerprint('sha-256', used.local)],
      remote: [normalizeFingerprint('sha-256', used.remote)],
    });
  });

  it('falls back to the SDP when there are no certificate stats, and is null before the answer', async () => {
    const local = colonHex('l');
    const remote = colonHex('r');
    const pc = {
      localDescription: { sdp: `a=fingerprint:sha-256 ${local}\r\n` },
      remoteDescription: { sdp: `a=fingerprint:sha-256 ${remote}\r\n` },
      getStats: async () => new Map(),
    };
    expect(await readPairFingerprints(pc as unknown as RTCPeerConnection)).toEqual({
      local: [normalizeFingerprint('sha-256', local)],
      remote: [normalizeFingerprint('sha-256', remote)],
    });
    const halfway = { ...pc, remoteDescription: null };
    expect(await readPairFingerprints(halfway as unknown as RTCPeerConnection)).toBeNull();
  });
});
