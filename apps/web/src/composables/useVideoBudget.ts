import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import type { VideoSending } from '@meshmeet/protocol';
import type { MeshBudget, MeshBudgetOptions } from '../media/mesh-budget';
import type { LinkSendReport } from '../media/budget-controller';
import { readStored, StorageKeys, writeStored } from '../utils/storage';

/** The user's video choices, remembered across visits. */
export interface VideoChoices {
  /** "Stop incoming video": audio-only mode, every sender is asked for no video. */
  incomingVideoOff: boolean;
  /** "Send less video": our camera is sent small to everyone. */
  dataSaver: boolean;
}

/** Reads remembered choices field by field (storage is user-editable). */
export function parseVideoChoices(raw: string | null): VideoChoices {
  let data: unknown = null;
  try {
    data = raw ? JSON.parse(raw) : null;
  } catch {
    data = null;
  }
  const o = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  return { incomingVideoOff: o.incomingVideoOff === true, dataSaver: o.dataSaver === true };
}

/** What {@link useVideoBudget} returns. */
export interface UseVideoBudgetReturn {
  choices: Readonly<Ref<VideoChoices>>;
  setIncomingVideoOff(off: boolean): void;
  setDataSaver(on: boolean): void;
  /** What each sender says it sends us (peer id → notice), for tiles. */
  incoming: Readonly<ShallowRef<ReadonlyMap<string, VideoSending>>>;
  /** What we send to one peer and why (null before the first sample or outside a call). */
  outgoing(peerId: string): LinkSendReport | null;
  /** A remote camera tile is shown `heightPx` device pixels tall (0 = hidden / off-screen). */
  showTile(peerId: string, heightPx: number): void;
}

const choices = ref<VideoChoices>(parseVideoChoices(readStored(StorageKeys.videoChoices)));
const incoming = shallowRef<ReadonlyMap<string, VideoSending>>(new Map());
let current: () => MeshBudget | null = () => null;
/** Tile heights reported before the budget existed (tiles mount before the mesh on rejoin). */
const shown = new Map<string, number>();

function save(): void {
  writeStored(StorageKeys.videoChoices, JSON.stringify(choices.value));
}

function refreshIncoming(): void {
  const map = new Map<string, VideoSending>();
  const bound = current();
  if (bound) for (const id of shown.keys()) {
    const n = bound.incoming(id);
    if (n) map.set(id, n);
  }
  incoming.value = map;
}

/**
 * The options a new mesh's budget starts with: the remembered choices, and a change hook
 * that mirrors senders' notices into {@link UseVideoBudgetReturn.incoming}.
 */
export function videoBudgetOptions(enabled: boolean): MeshBudgetOptions {
  return {
    enabled,
    dataSaver: choices.value.dataSaver,
    incomingVideoOff: choices.value.incomingVideoOff,
    onChange: refreshIncoming,
  };
}

/** Connects the UI to the budget of whatever mesh the call uses now (it is rebuilt on rejoin). */
export function bindVideoBudget(budget: () => MeshBudget | null): void {
  current = budget;
  refreshIncoming();
}

/**
 * The video budget as Vue state: the two remembered choices, what senders say they send
 * us, and tile sizes reported to the mesh. One per page (module state), like `useCall`.
 */
export function useVideoBudget(): UseVideoBudgetReturn {
  return {
    choices,
    setIncomingVideoOff(off) {
      choices.value = { ...choices.value, incomingVideoOff: off };
      save();
      current()?.setIncomingVideoOff(off);
    },
    setDataSaver(on) {
      choices.value = { ...choices.value, dataSaver: on };
      save();
      current()?.setDataSaver(on);
    },
    incoming,
    outgoing: (id) => current()?.outgoing(id) ?? null,
    showTile(id, heightPx) {
      if (heightPx < 0) shown.delete(id);
      else shown.set(id, heightPx);
      if (heightPx >= 0) current()?.showTile(id, heightPx);
    },
  };
}
