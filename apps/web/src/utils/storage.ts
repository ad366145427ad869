/**
 * localStorage that never throws: it is missing in some embedded views and throws
 * in Safari private mode or when storage is full. Losing a remembered name is fine;
 * crashing the lobby is not.
 */

/** Reads a key, or `null` when absent or storage is unavailable. */
export function readStored(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

/** Writes a key; silently does nothing when storage is unavailable. */
export function writeStored(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value);
  } catch {
    /* not persisted: acceptable, see module comment */
  }
}

/** Storage keys, in one place so nothing collides. */
export const StorageKeys = {
  nick: 'meshmeet.nick',
  locale: 'meshmeet.locale',
  mediaSettings: 'meshmeet.media',
  lastRoom: 'meshmeet.room',
  videoChoices: 'meshmeet.video-choices',
} as const;
