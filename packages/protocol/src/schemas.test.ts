import { describe, expect, it } from 'vitest';
import { schemas, jsonByteLength } from './index.js';

describe('protocol schemas', () => {
  it('accepts Unicode room names and counts code points', () => {
    expect(schemas.RoomName.parse('  会议室 ')).toBe('会议室');
    expect(schemas.RoomName.safeParse('房'.repeat(64)).success).toBe(true);
    expect(schemas.RoomName.safeParse('房'.repeat(65)).success).toBe(false);
  });

  it('rejects empty names and control characters', () => {
    expect(schemas.Nick.safeParse('   ').success).toBe(false);
    expect(schemas.Nick.safeParse('a\u0000b').success).toBe(false);
    expect(schemas.Nick.safeParse('a\nb').success).toBe(false);
  });

  it('rejects invisible format characters (\\p{Cf}) but keeps the zero-width joiner of emoji', () => {
    for (const bad of ['Ali\u200Bce', '\u202Eecila', 'Al\u00ADice', 'B\uFEFFob', 'A\u2060B', 'x\u{E0067}']) {
      expect(schemas.Nick.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
      expect(schemas.RoomName.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(schemas.Nick.parse('👩‍💻 Dev')).toBe('👩‍💻 Dev');
    expect(schemas.Nick.parse('👨‍👩‍👧')).toBe('👨‍👩‍👧');
  });

  it('requires room passwords of 8..128 characters', () => {
    expect(schemas.Password.safeParse('1234567').success).toBe(false);
    expect(schemas.Password.safeParse('12345678').success).toBe(true);
    expect(schemas.Password.safeParse('x'.repeat(129)).success).toBe(false);
  });

  it('tells a fresh join from a resume and rejects mixtures', () => {
    expect(schemas.JoinRequest.safeParse({ room: 'a', nick: 'b' }).success).toBe(true);
    expect(schemas.JoinRequest.safeParse({ resumeToken: 't' }).success).toBe(true);
    expect(schemas.JoinRequest.safeParse({ room: 'a' }).success).toBe(false);
    expect(schemas.JoinRequest.safeParse(null).success).toBe(false);
  });

  it('never lets a client set the sender of a signal', () => {
    expect(schemas.SignalSend.safeParse({ to: 'abc', data: {}, from: 'x' }).success).toBe(false);
  });

  it('measures JSON size in UTF-8 bytes and survives cycles', () => {
    expect(jsonByteLength({ a: '会' })).toBe(JSON.stringify({ a: '会' }).length + 2);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(jsonByteLength(cyclic)).toBe(Infinity);
  });

  it('carries video requests and notices between peers, and refuses malformed ones', () => {
    expect(schemas.PeerNotice.safeParse({ want: { maxHeight: 180 } }).success).toBe(true);
    expect(schemas.PeerNotice.safeParse({ want: { maxHeight: 0 } }).success).toBe(true);
    expect(schemas.PeerNotice.safeParse({ want: { maxHeight: -1 } }).success).toBe(false);
    expect(schemas.PeerNotice.safeParse({ want: { maxHeight: 1.5 } }).success).toBe(false);
    expect(schemas.PeerNotice.safeParse({ sending: { active: false, height: 0, reason: 'uplink' } }).success).toBe(true);
    expect(schemas.PeerNotice.safeParse({ sending: { active: true, height: 360, reason: 'because' } }).success).toBe(false);
    expect(schemas.PeerNotice.safeParse({ sending: { active: true, height: 360, reason: 'none', extra: 1 } }).success).toBe(false);
    expect(schemas.PeerNotice.safeParse({ want: { maxHeight: 90 }, candidate: null }).success).toBe(false);
  });
});
