import { describe, expect, it } from 'vitest';
import { SpeakingDetector, rmsLevel } from './audio-level';

describe('rmsLevel', () => {
  it('is 0 for silence and for no samples', () => {
    expect(rmsLevel(new Uint8Array(256).fill(128))).toBe(0);
    expect(rmsLevel([])).toBe(0);
  });

  it('is about 0.707 for a full-scale sine and 1 for a full-scale square', () => {
    const sine = Uint8Array.from({ length: 1000 }, (_, i) => 128 + 127 * Math.sin((2 * Math.PI * i) / 100));
    expect(rmsLevel(sine)).toBeCloseTo(0.7, 1);
    const square = Uint8Array.from({ length: 100 }, (_, i) => (i % 2 ? 0 : 256 - 0.0001));
    expect(rmsLevel(square)).toBeCloseTo(1, 2);
  });
});

describe('SpeakingDetector', () => {
  it('starts on a loud reading and holds through short pauses', () => {
    const d = new SpeakingDetector({ onLevel: 0.1, offLevel: 0.05, holdMs: 500 });
    expect(d.update('a', 0.01, 0)).toBe(false);
    expect(d.update('a', 0.2, 100)).toBe(true);
    expect(d.update('a', 0.0, 400)).toBe(true); // pause between words
    expect(d.update('a', 0.0, 700)).toBe(false); // 600 ms of quiet > hold
  });

  it('uses a lower threshold to keep speaking than to start (hysteresis)', () => {
    const d = new SpeakingDetector({ onLevel: 0.1, offLevel: 0.05, holdMs: 0 });
    expect(d.update('a', 0.07, 0)).toBe(false);
    expect(d.update('a', 0.12, 10)).toBe(true);
    expect(d.update('a', 0.07, 20)).toBe(true);
    expect(d.update('a', 0.01, 30)).toBe(false);
  });

  it('tracks participants independently and forgets those who left', () => {
    const d = new SpeakingDetector({ holdMs: 10_000 });
    d.update('a', 1, 0);
    expect(d.update('b', 0, 0)).toBe(false);
    d.retain(['b']);
    expect(d.update('a', 0, 1)).toBe(false); // state was dropped, starts quiet
  });
});
