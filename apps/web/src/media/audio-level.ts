/**
 * Audio level and "is speaking" detection for the active-speaker highlight.
 * Pure functions over analyser samples, so the thresholds are unit-tested.
 */

/** Root-mean-square level (0..1) of 8-bit time-domain samples centred on 128. */
export function rmsLevel(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = ((samples[i] ?? 128) - 128) / 128;
    sum += v * v;
  }
  return Math.sqrt(sum / samples.length);
}

/** Options of {@link SpeakingDetector}. */
export interface SpeakingOptions {
  /** Level above which someone starts speaking. @default 0.04 */
  onLevel?: number;
  /** Level below which they may stop (hysteresis, so the ring does not flicker). @default 0.02 */
  offLevel?: number;
  /** How long the level must stay low before "speaking" ends, ms. @default 700 */
  holdMs?: number;
}

/**
 * Decides per participant whether they are speaking, with hysteresis and a hold
 * time: speech has gaps between words, and a highlight that blinks on every syllable
 * is worse than none.
 */
export class SpeakingDetector {
  private readonly on: number;
  private readonly off: number;
  private readonly hold: number;
  private readonly state = new Map<string, { speaking: boolean; lastLoud: number }>();

  constructor(options: SpeakingOptions = {}) {
    this.on = options.onLevel ?? 0.04;
    this.off = options.offLevel ?? 0.02;
    this.hold = options.holdMs ?? 700;
  }

  /** Feeds one level reading taken at `now` (ms); returns whether `id` is speaking. */
  update(id: string, level: number, now: number): boolean {
    const s = this.state.get(id) ?? { speaking: false, lastLoud: -Infinity };
    if (level >= this.on || (s.speaking && level >= this.off)) {
      s.speaking = true;
      s.lastLoud = now;
    } else if (s.speaking && now - s.lastLoud > this.hold) {
      s.speaking = false;
    }
    this.state.set(id, s);
    return s.speaking;
  }

  /** Forgets participants not in `ids` (they left). */
  retain(ids: Iterable<string>): void {
    const keep = new Set(ids);
    for (const id of this.state.keys()) if (!keep.has(id)) this.state.delete(id);
  }
}
