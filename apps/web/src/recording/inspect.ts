/**
 * Is there anything playable in what a recording saved?
 *
 * MediaRecorder does not put its whole header in the first chunk: on a loaded machine
 * Chromium's first `dataavailable` of a WebM can hold a single byte (the first byte of
 * the EBML header), the rest of the header arriving with the first frames a second or
 * more later. A page that dies between the two leaves a recording with data but
 * nothing a player can open. Recovery must not offer that as a file; it must say that
 * nothing usable was saved.
 *
 * "Playable" here means: the data starts with a complete container header that
 * describes its tracks, followed by at least one complete media frame.
 */
import { loadEbml } from './seekable.js';

/** What {@link inspectRecording} found. */
export interface RecordingInspection {
  /** The data starts with a valid header and holds at least one whole frame. */
  playable: boolean;
  /** Why not, for logs and tests. */
  reason?: string;
}

/** Read at most this much from the start: the header plus the first frame fit easily. */
const MAX_SCAN = 8 << 20;
const PIECE = 1 << 20;

async function inspectWebm(raw: Blob): Promise<RecordingInspection> {
  const { Decoder } = await loadEbml();
  const decoder = new Decoder();
  let first = true;
  let docType: string | null = null;
  let tracks = false;
  try {
    for (let offset = 0; offset < Math.min(raw.size, MAX_SCAN); offset += PIECE) {
      const piece = await raw.slice(offset, offset + PIECE).arrayBuffer();
      for (const el of decoder.decode(piece)) {
        if (first) {
          // The file must begin with the EBML header itself, not somewhere inside it.
          if (el.name !== 'EBML' || el.tagStart !== 0) return { playable: false, reason: 'no EBML header at the start' };
          first = false;
        }
        if (el.name === 'DocType' && 'value' in el) docType = String(el.value);
        if (el.name === 'TrackEntry') tracks = true;
        // SimpleBlock/Block are leaves: the decoder emits them only once all their bytes are there.
        if ((el.name === 'SimpleBlock' || el.name === 'Block') && el.type === 'b') {
          if (docType !== 'webm' && docType !== 'matroska') return { playable: false, reason: `doc type ${docType}` };
          if (!tracks) return { playable: false, reason: 'a frame before any track description' };
          return { playable: true };
        }
      }
    }
  } catch (err) {
    return { playable: false, reason: `unreadable: ${(err as Error)?.message ?? String(err)}` };
  }
  if (first) return { playable: false, reason: 'header incomplete' };
  return { playable: false, reason: tracks ? 'no complete frame' : 'header incomplete' };
}

/** ISO BMFF (MP4): `ftyp` first, then a `moov`, then media (`moof`/`mdat`). */
async function inspectMp4(raw: Blob): Promise<RecordingInspection> {
  const view = new DataView(await raw.slice(0, Math.min(raw.size, MAX_SCAN)).arrayBuffer());
  const seen: string[] = [];
  let offset = 0;
  while (offset + 8 <= view.byteLength) {
    const size = view.getUint32(offset);
    const type = String.fromCharCode(...new Uint8Array(view.buffer, offset + 4, 4));
    if (seen.length === 0 && type !== 'ftyp') return { playable: false, reason: 'no ftyp box at the start' };
    if (size < 8) break; // 0 = "to the end", 1 = 64-bit size: stop walking, judge what we have
    if (offset + size > view.byteLength && type !== 'mdat') break;
    seen.push(type);
    if ((type === 'mdat' || type === 'moof') && seen.includes('moov')) return { playable: true };
    offset += size;
  }
  return { playable: false, reason: seen.length ? `boxes ${seen.join(',')} only` : 'header incomplete' };
}

/**
 * Check the start of a recording's data.
 *
 * @param raw - the chunks as saved, concatenated (may be disk-backed; only the start is read).
 * @param mimeType - what MediaRecorder was asked for (WebM or MP4).
 */
export async function inspectRecording(raw: Blob, mimeType: string): Promise<RecordingInspection> {
  if (raw.size === 0) return { playable: false, reason: 'no data' };
  return /^(video|audio)\/mp4/i.test(mimeType) ? inspectMp4(raw) : inspectWebm(raw);
}
