/// <reference types="vite/client" />

/** Build-time settings of the web client, read only by `src/config.ts`. */
interface ImportMetaEnv {
  /** Origin of the signaling server; the dev proxy forwards to it (default http://localhost:7070). */
  readonly VITE_SERVER_URL?: string;
  /**
   * Where the browser opens its socket.io connection. Unset: the page's own origin,
   * which is right both in production (the server serves the app) and in dev (proxy).
   */
  readonly VITE_SIGNALING_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
