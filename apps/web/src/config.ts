/**
 * The one place the web client reads its configuration: build-time values from
 * `import.meta.env` and per-page options from the URL query.
 */

/** Build-time configuration. */
export interface WebConfig {
  /** Origin for the socket.io connection; `undefined` means the page's own origin. */
  signalingUrl: string | undefined;
  /** Vite mode (`development`, `production`, …). */
  mode: string;
}

/** The build-time configuration of this bundle. */
export const config: WebConfig = {
  signalingUrl: import.meta.env.VITE_SIGNALING_URL || undefined,
  mode: import.meta.env.MODE,
};

/** Options a page takes from its URL, e.g. an invite link `/?room=standup`. */
export interface PageOptions {
  /** Room to prefill in the lobby (`?room=`). */
  room: string | null;
  /** `?debug=1`: extra diagnostics for tests and support. */
  debug: boolean;
  /**
   * `?ice=relay` (or `?iceTransportPolicy=relay`): send media only through TURN.
   * Used to prove the TURN path and by people behind strict networks.
   */
  iceTransportPolicy: RTCIceTransportPolicy | undefined;
  /**
   * `?budget=off`: send every camera stream unlimited, as before the send budget existed.
   * Only for the mesh benchmark's baseline; people never need it.
   */
  budget: boolean;
}

/** Parses the page options from a query string such as `location.search`. */
export function readPageOptions(search: string): PageOptions {
  const q = new URLSearchParams(search);
  const room = q.get('room')?.trim() || null;
  const ice = q.get('ice') ?? q.get('iceTransportPolicy');
  return {
    room,
    debug: q.get('debug') === '1',
    iceTransportPolicy: ice === 'relay' || ice === 'all' ? ice : undefined,
    budget: q.get('budget') !== 'off',
  };
}

/** The invite link for a room, built on the page's origin and path. */
export function inviteLink(room: string, origin: string, pathname = '/'): string {
  const url = new URL(pathname, origin);
  url.searchParams.set('room', room);
  return url.toString();
}
