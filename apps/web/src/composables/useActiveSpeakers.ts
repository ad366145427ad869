import { getCurrentScope, onScopeDispose, shallowRef, type ShallowRef } from 'vue';
import { SpeakingDetector, type SpeakingOptions } from '../media/audio-level';
import { levelClockNow, readSpeechLevels, type LevelConnection, type LevelSource } from '../media/speech-levels';

/**
 * Our own level comes from a `getStats` call, which in Chromium gathers the connection's
 * whole report before filtering it: read it on every third tick only (about 0.6 s, within
 * the detector's hold time), while remote levels are a cheap synchronous read every tick.
 */
const OWN_LEVEL_EVERY = 3;

/** Options of {@link useActiveSpeakers}. */
export interface UseActiveSpeakersOptions extends SpeakingOptions {
  /** How often levels are read, ms. @default 200 */
  intervalMs?: number;
}

/** What {@link useActiveSpeakers} returns. */
export interface UseActiveSpeakersReturn {
  /** Ids of participants speaking right now. */
  speaking: ShallowRef<ReadonlySet<string>>;
}

/**
 * Who is speaking, from the levels WebRTC already measures (`readSpeechLevels`): no
 * audio graph of its own, so the highlight costs next to nothing in a big room.
 * Reads run one at a time; a tick that finds the previous read still running is skipped.
 */
export function useActiveSpeakers(
  sources: () => readonly LevelSource[],
  connections: () => ReadonlyMap<string, LevelConnection>,
  options: UseActiveSpeakersOptions = {},
): UseActiveSpeakersReturn {
  const speaking = shallowRef<ReadonlySet<string>>(new Set());
  const detector = new SpeakingDetector(options);
  let reading = false;
  let ticks = 0;
  /** Our own last level: read every {@link OWN_LEVEL_EVERY} ticks, held in between. */
  let own: { id: string; level: number } | null = null;

  async function tick(): Promise<void> {
    if (reading) return;
    reading = true;
    try {
      const list = sources();
      const readOwn = ticks++ % OWN_LEVEL_EVERY === 0;
      const levels = await readSpeechLevels(readOwn ? list : list.filter((s) => !s.local), connections(), levelClockNow());
      const mine = list.find((s) => s.local && s.track);
      if (!mine) own = null;
      else if (readOwn) own = levels.has(mine.id) ? { id: mine.id, level: levels.get(mine.id)! } : null;
      else if (own?.id === mine.id) levels.set(own.id, own.level);
      const now = performance.now();
      detector.retain(list.filter((s) => s.track).map((s) => s.id));
      const next = new Set<string>();
      for (const [id, level] of levels) if (detector.update(id, level, now)) next.add(id);
      const prev = speaking.value;
      if (next.size !== prev.size || [...next].some((id) => !prev.has(id))) speaking.value = next;
    } finally {
      reading = false;
    }
  }

  const timer = setInterval(() => void tick(), options.intervalMs ?? 200);
  if (getCurrentScope()) onScopeDispose(() => clearInterval(timer));
  return { speaking };
}
