/**
 * The remote participants of a call as a pure reducer: the call session feeds it what
 * signaling and the mesh report, and the UI renders the result. No I/O, no timers, no
 * Vue: every rule below is unit-tested on plain values.
 *
 * Rules:
 * - the list is replaced, never mutated, so shallow watchers (Vue's `shallowRef`) see
 *   every change; an action that changes nothing returns the same array;
 * - `joined` is add-or-replace: the server may repeat in `peer:joined` someone its
 *   join ack already listed (docs/protocol.md, event order), and that must not create
 *   a second tile or drop the streams already received;
 * - events about unknown ids (`left`, `updated`, `media`, `connectionState`) change
 *   nothing: a late event about someone who left must not bring them back;
 * - after a resume (`resumed`) the server's member list wins for who is there and what
 *   they announced, and the streams and connection states we hold are kept (media is
 *   peer to peer and survived the signaling drop).
 */
import type { Peer, PeerUpdated } from '@meshmeet/protocol';
import type { RemoteMedia } from '../media/peer-remote-streams';

/** A remote participant as the UI renders it. */
export type RemoteParticipant = Peer & {
  /** Microphone + camera; null until media arrives (or never, for receive-only peers). */
  cameraStream: MediaStream | null;
  /** Their screen share, shown as its own tile. */
  shareStream: MediaStream | null;
  connectionState: RTCPeerConnectionState;
};

/** What can happen to the participant list. */
export type ParticipantsAction =
  /** A (re)join ack: exactly these members, nothing received from them yet. */
  | { type: 'reset'; members: readonly Peer[] }
  /** A resume ack: these members, keeping what we already received from them. */
  | { type: 'resumed'; members: readonly Peer[] }
  /** `peer:joined`: add, or replace the announced state of someone already listed. */
  | { type: 'joined'; peer: Peer }
  /** `peer:left`. */
  | { type: 'left'; id: string }
  /** `peer:updated`: flags or name changed. */
  | { type: 'updated'; update: PeerUpdated }
  /** The mesh regrouped the streams received from one participant. */
  | { type: 'media'; id: string; media: RemoteMedia }
  /** The connection to one participant changed state. */
  | { type: 'connectionState'; id: string; state: RTCPeerConnectionState }
  /** The call ended. */
  | { type: 'clear' };

/** A participant we have heard of but received nothing from yet. */
export function toParticipant(peer: Peer): RemoteParticipant {
  return { ...peer, cameraStream: null, shareStream: null, connectionState: 'new' };
}

/** Applies one action; returns the same array when nothing changed. */
export function reduceParticipants(
  list: readonly RemoteParticipant[],
  action: ParticipantsAction,
): readonly RemoteParticipant[] {
  switch (action.type) {
    case 'reset':
      return action.members.map(toParticipant);
    case 'resumed': {
      const known = new Map(list.map((p) => [p.id, p]));
      return action.members.map((m) => {
        const had = known.get(m.id);
        return had ? { ...had, ...m } : toParticipant(m);
      });
    }
    case 'joined':
      return list.some((p) => p.id === action.peer.id)
        ? patch(list, action.peer.id, action.peer)
        : [...list, toParticipant(action.peer)];
    case 'left':
      return list.some((p) => p.id === action.id) ? list.filter((p) => p.id !== action.id) : list;
    case 'updated': {
      const { id, ...changes } = action.update;
      return patch(list, id, changes);
    }
    case 'media':
      return patch(list, action.id, { cameraStream: action.media.camera, shareStream: action.media.share });
    case 'connectionState':
      return patch(list, action.id, { connectionState: action.state });
    case 'clear':
      return list.length ? [] : list;
  }
}

/** Replaces one participant with `changes` merged in; the same array if absent or unchanged. */
function patch(
  list: readonly RemoteParticipant[],
  id: string,
  changes: Partial<RemoteParticipant>,
): readonly RemoteParticipant[] {
  const i = list.findIndex((p) => p.id === id);
  if (i < 0) return list;
  const before = list[i]!;
  const keys = Object.keys(changes) as (keyof RemoteParticipant)[];
  if (keys.every((k) => Object.is(before[k], changes[k]))) return list;
  const next = list.slice();
  next[i] = { ...before, ...changes } as RemoteParticipant;
  return next;
}
