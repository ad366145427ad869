/**
 * Download names: `meshmeet-<room>-<YYYYMMDD-HHMMSS>.<ext>`, so files from several
 * calls sort by room and time.
 */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * `YYYYMMDD-HHMMSS` in the user's local time: the moment they pressed Record, as
 * their own clock showed it.
 */
export function formatStamp(date: Date): string {
  return (
    `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-` +
    `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`
  );
}

/**
 * Make a room name safe for a file name on every OS while keeping it readable:
 * letters and digits of any script survive ("会议室" stays), everything else
 * (slashes, spaces, dots, reserved Windows characters) becomes a single `-`.
 */
export function safeRoomPart(room: string | null | undefined): string {
  const cleaned = (room ?? '')
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}_-]+/gu, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  // Keep names short; count code points so a CJK name is not cut mid-character.
  const limited = [...cleaned].slice(0, 40).join('').replace(/-+$/, '');
  return limited || 'recording';
}

/**
 * The file name offered when downloading a recording.
 *
 * @param room - the room the recording was made in (`null` for a screen recording
 *   made outside a call).
 * @param startedAt - when recording started.
 * @param extension - `webm` or `mp4`.
 */
export function recordingFileName(room: string | null | undefined, startedAt: Date, extension: string): string {
  return `meshmeet-${safeRoomPart(room)}-${formatStamp(startedAt)}.${extension}`;
}
