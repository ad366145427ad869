import { getCurrentScope, onScopeDispose, shallowRef, watch, type ShallowRef } from 'vue';
import { SpeakingDetector, rmsLevel, type SpeakingOptions } from '../media/audio-level';

/** One participant whose audio is measured. */
export interface AudioSource {
  id: string;
  /** The audio track to measure, or null (muted, receive-only, not arrived yet). */
  track: MediaStreamTrack | null;
}

/** Options of {@link useActiveSpeakers}. */
export interface UseActiveSpeakersOptions extends SpeakingOptions {
  /** How often levels are read, ms. @default 150 */
  intervalMs?: number;
  /** @default () => new AudioContext() */
  createContext?: () => AudioContext;
}

/** What {@link useActiveSpeakers} returns. */
export interface UseActiveSpeakersReturn {
  /** Ids of participants speaking right now. */
  speaking: ShallowRef<ReadonlySet<string>>;
  /** Resumes the audio context (call from a click when autoplay suspended it). */
  resume(): Promise<void>;
}

interface Meter {
  track: MediaStreamTrack;
  source: MediaStreamAudioSourceNode;
  analyser: AnalyserNode;
  buffer: Uint8Array<ArrayBuffer>;
}

/**
 * Who is speaking, from a WebAudio analyser per participant. Analysers are never
 * connected to the destination: this only measures, `CallAudio` plays the sound.
 * One AudioContext for the whole call, closed on scope dispose.
 */
export function useActiveSpeakers(sources: () => readonly AudioSource[], options: UseActiveSpeakersOptions = {}): UseActiveSpeakersReturn {
  const speaking = shallowRef<ReadonlySet<string>>(new Set());
  const detector = new SpeakingDetector(options);
  const meters = new Map<string, Meter>();
  let ctx: AudioContext | null = null;

  function context(): AudioContext | null {
    if (ctx) return ctx;
    try {
      ctx = options.createContext?.() ?? new AudioContext();
    } catch {
      ctx = null; // No WebAudio: no highlight, the call works the same.
    }
    return ctx;
  }

  function drop(id: string): void {
    const m = meters.get(id);
    if (!m) return;
    m.source.disconnect();
    meters.delete(id);
  }

  function sync(list: readonly AudioSource[]): void {
    const wanted = new Map(list.filter((s) => s.track && s.track.readyState === 'live').map((s) => [s.id, s.track!]));
    for (const [id, m] of meters) if (wanted.get(id) !== m.track) drop(id);
    const ac = wanted.size ? context() : null;
    if (!ac) return;
    for (const [id, track] of wanted) {
      if (meters.has(id)) continue;
      try {
        const source = ac.createMediaStreamSource(new MediaStream([track]));
        const analyser = ac.createAnalyser();
        analyser.fftSize = 512;
        source.connect(analyser);
        meters.set(id, { track, source, analyser, buffer: new Uint8Array(analyser.fftSize) });
      } catch (e) {
        console.warn('[meshmeet] cannot measure audio of', id, e);
      }
    }
    detector.retain(wanted.keys());
  }

  const stopWatch = watch(sources, sync, { immediate: true });
  const timer = setInterval(() => {
    const now = performance.now();
    const next = new Set<string>();
    for (const [id, m] of meters) {
      m.analyser.getByteTimeDomainData(m.buffer);
      if (detector.update(id, rmsLevel(m.buffer), now)) next.add(id);
    }
    const prev = speaking.value;
    if (next.size !== prev.size || [...next].some((id) => !prev.has(id))) speaking.value = next;
  }, options.intervalMs ?? 150);

  if (getCurrentScope()) {
    onScopeDispose(() => {
      clearInterval(timer);
      stopWatch();
      for (const id of [...meters.keys()]) drop(id);
      void ctx?.close().catch(() => undefined);
      ctx = null;
    });
  }

  return {
    speaking,
    resume: async () => {
      await ctx?.resume().catch(() => undefined);
    },
  };
}
