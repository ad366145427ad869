import { getCurrentScope, onScopeDispose, reactive, watch } from 'vue';
import { connectionSecurityCode } from '../media/security-code';

/** The connection facts the codes depend on. */
interface CodeSubject {
  id: string;
  connectionState: RTCPeerConnectionState;
}

/** How long to wait before reading a connected pair's certificates again when they were not there yet. */
const RETRY_MS = 1000;

/**
 * The security code of each remote participant, by id, for as long as the calling
 * component lives. A code is (re)computed whenever that participant's connection
 * becomes `connected` — a rebuilt connection has new certificates and so a new code —
 * and removed while it is not connected, so a stale code is never shown.
 *
 * @param participants - the remote participants (read reactively)
 * @param peerConnection - the live connection to one of them
 */
export function useSecurityCodes(
  participants: () => readonly CodeSubject[],
  peerConnection: (id: string) => RTCPeerConnection | null,
): Map<string, string> {
  const codes = reactive(new Map<string, string>());
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** The connection each code (or pending computation) belongs to. */
  const computedFor = new Map<string, RTCPeerConnection>();
  let disposed = false;

  async function compute(id: string): Promise<void> {
    clearTimeout(timers.get(id));
    timers.delete(id);
    const pc = peerConnection(id);
    if (!pc || disposed) return;
    computedFor.set(id, pc);
    const code = await connectionSecurityCode(pc).catch(() => null);
    // Only the latest connection of a participant that is still connected may write.
    if (disposed || computedFor.get(id) !== pc || peerConnection(id) !== pc) return;
    if (code) codes.set(id, code);
    else timers.set(id, setTimeout(() => void compute(id), RETRY_MS));
  }

  function forget(id: string): void {
    clearTimeout(timers.get(id));
    timers.delete(id);
    computedFor.delete(id);
    codes.delete(id);
  }

  const stop = watch(
    () => participants().map((p) => `${p.id}\u0000${p.connectionState}`).join('\u0001'),
    () => {
      const connected = new Set<string>();
      for (const p of participants()) {
        if (p.connectionState !== 'connected') continue;
        connected.add(p.id);
        const pc = peerConnection(p.id);
        if (pc && computedFor.get(p.id) !== pc) void compute(p.id);
      }
      for (const id of [...computedFor.keys()]) if (!connected.has(id)) forget(id);
    },
    { immediate: true },
  );

  if (getCurrentScope()) {
    onScopeDispose(() => {
      disposed = true;
      stop();
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    });
  }
  return codes;
}
