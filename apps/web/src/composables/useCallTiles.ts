import { computed, getCurrentScope, onScopeDispose, ref, type ComputedRef, type Ref } from 'vue';
import type { UseCallReturn } from './useCall';
import type { UseLocalMediaReturn } from './useLocalMedia';
import { useActiveSpeakers } from './useActiveSpeakers';
import type { TileModel } from '../components/call/types';
import { displayNames } from '../utils/display-names';

/** One remote stream that carries sound, for `CallAudio`. */
export interface AudioStreamEntry {
  key: string;
  stream: MediaStream;
}

/** What {@link useCallTiles} returns. */
export interface UseCallTilesReturn {
  /** Our own tile first, then one per remote participant. */
  cameraTiles: ComputedRef<TileModel[]>;
  /** One per remote screen share. */
  shareTiles: ComputedRef<TileModel[]>;
  /** The tiles of the main grid (without ours when it floats as picture-in-picture). */
  gridTiles: ComputedRef<TileModel[]>;
  /** Our own tile as a floating picture-in-picture (phones, one-to-one), else null. */
  pipTile: ComputedRef<Omit<TileModel, 'key'> | null>;
  /** Remote streams to play, one entry per stream with audio. */
  audioEntries: ComputedRef<AudioStreamEntry[]>;
}

/**
 * Turns the call state and the local media into what the call view renders: tiles with
 * their marks and the active-speaker flag, and the list of remote sounds to play.
 */
export function useCallTiles(call: UseCallReturn, media: UseLocalMediaReturn, fallbackNick: () => string): UseCallTilesReturn {
  const micOn = computed(() => media.micOn.value && !!media.audioTrack.value);

  const { speaking } = useActiveSpeakers(
    () => [
      { id: call.self.value?.id ?? 'self', track: micOn.value ? media.audioTrack.value : null, local: true },
      ...call.participants.value.map((p) => ({ id: p.id, track: p.mic ? (p.cameraStream?.getAudioTracks()[0] ?? null) : null, local: false })),
    ],
    () => call.peerConnections(),
  );

  // Only the camera track: our own tile must never hold (or play) our microphone.
  const localVideo = computed(() => (media.videoTrack.value ? new MediaStream([media.videoTrack.value]) : null));

  // People who share a name are told apart on their tiles as in the People panel.
  const labels = computed(() => displayNames([...(call.self.value ? [call.self.value] : []), ...call.participants.value]));
  const label = (p: { id: string; nick: string }) => labels.value.get(p.id) ?? p.nick;

  const cameraTiles = computed<TileModel[]>(() => {
    const self = call.self.value;
    const mine: TileModel = {
      key: 'cam:self',
      peerId: self?.id ?? '',
      name: self ? label(self) : fallbackNick(),
      stream: localVideo.value,
      kind: 'camera',
      local: true,
      micOn: micOn.value,
      camOn: !!media.videoTrack.value,
      // A muted microphone stops the highlight at once, not at the next level reading.
      speaking: micOn.value && speaking.value.has(self?.id ?? 'self'),
      // Back cameras are not mirrored: text behind the user must read the right way.
      mirrored: media.videoTrack.value?.getSettings?.().facingMode !== 'environment',
    };
    const others = call.participants.value.map<TileModel>((p) => ({
      key: `cam:${p.id}`,
      peerId: p.id,
      name: label(p),
      stream: p.cameraStream,
      kind: 'camera',
      local: false,
      micOn: p.mic,
      camOn: p.cam,
      speaking: p.mic && speaking.value.has(p.id),
      mirrored: false,
      connectionState: p.connectionState,
    }));
    return [mine, ...others];
  });

  const shareTiles = computed<TileModel[]>(() =>
    call.participants.value
      .filter((p) => p.shareStream)
      .map((p) => ({
        key: `share:${p.id}`,
        peerId: p.id,
        name: label(p),
        stream: p.shareStream,
        kind: 'screen',
        local: false,
        micOn: true,
        camOn: true,
        speaking: false,
        mirrored: false,
        connectionState: p.connectionState,
      })),
  );

  // Phones in a one-to-one call: the other person fills the screen, we float in a corner.
  const narrow = useMediaQuery('(max-width: 700px)');
  const pip = computed(() => narrow.value && !shareTiles.value.length && call.participants.value.length === 1);
  const gridTiles = computed(() => (pip.value ? cameraTiles.value.filter((x) => !x.local) : cameraTiles.value));
  const pipTile = computed(() => {
    const mine = pip.value ? cameraTiles.value.find((x) => x.local) : undefined;
    if (!mine) return null;
    const { key: _key, ...rest } = mine;
    return rest;
  });

  const audioEntries = computed<AudioStreamEntry[]>(() => {
    const out: AudioStreamEntry[] = [];
    for (const p of call.participants.value) {
      if (p.cameraStream) out.push({ key: `cam:${p.id}`, stream: p.cameraStream });
      if (p.shareStream && p.shareStream.getAudioTracks().length) out.push({ key: `share:${p.id}`, stream: p.shareStream });
    }
    return out;
  });

  return { cameraTiles, shareTiles, gridTiles, pipTile, audioEntries };
}

/** Whether a CSS media query matches, kept current. */
function useMediaQuery(query: string): Ref<boolean> {
  const mq = typeof matchMedia === 'function' ? matchMedia(query) : null;
  const matches = ref(mq?.matches ?? false);
  const onChange = (e: MediaQueryListEvent) => (matches.value = e.matches);
  mq?.addEventListener('change', onChange);
  if (getCurrentScope()) onScopeDispose(() => mq?.removeEventListener('change', onChange));
  return matches;
}
