import type { CallStatus } from '../signaling/signaling-types';
import type { ConnectionDetails } from '../media/stats';
import type { LinkBudget } from './call-types';

/**
 * Read-only views of the call, installed as `window.__meshmeet` on pages opened with
 * `?debug=1` (browser tests and support read getStats through it). Pages without the
 * flag get no global.
 */
export interface DebugHook {
  /** The live RTCPeerConnection per remote participant id. */
  peerConnections(): Map<string, RTCPeerConnection>;
  /** Our own participant id, or null. */
  selfId(): string | null;
  /** The call status (idle, joining, joined, reconnecting, left, error). */
  status(): CallStatus;
  /** What the connection-details panel shows for one participant. */
  connectionDetails(id: string): Promise<ConnectionDetails>;
  /** The video budget of the link to one participant (null without a budget or a call). */
  budget(id: string): LinkBudget | null;
}

/** Installs {@link DebugHook} on `target` when `debug` is set; otherwise does nothing. */
export function installDebugHook(target: object | undefined, debug: boolean, hook: DebugHook): void {
  if (!debug || !target) return;
  (target as { __meshmeet?: DebugHook }).__meshmeet = hook;
}
