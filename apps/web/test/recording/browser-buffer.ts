/**
 * Run the EBML library (webm-duration-fix) under Node the way it runs in browsers.
 *
 * In browsers the library runs on the npm `buffer` polyfill (it imports "buffer"
 * explicitly); under Node that import gets Node's own Buffer, which differs in two ways
 * that matter: readUIntBE/readIntBE refuse more than 6 bytes (Chrome writes 7-byte
 * TrackUIDs), and Node pools small Buffers, so `Buffer.concat(...).buffer` would hold
 * unrelated bytes (the polyfill never pools). Call this at the top of a test file that
 * decodes WebM: it gives Node's Buffer the polyfill's behaviour for that file's tests.
 */
import { readFileSync } from 'node:fs';
import { Buffer as PolyBuffer } from 'buffer/index.js';
import { afterAll, beforeAll } from 'vitest';

export function useBrowserBuffer(): void {
  const proto = Buffer.prototype as unknown as Record<string, unknown>;
  const saved = { readUIntBE: proto.readUIntBE, readIntBE: proto.readIntBE, poolSize: Buffer.poolSize };
  beforeAll(() => {
    const poly = PolyBuffer.prototype as unknown as Record<string, unknown>;
    proto.readUIntBE = poly.readUIntBE;
    proto.readIntBE = poly.readIntBE;
    Buffer.poolSize = 0;
  });
  afterAll(() => {
    proto.readUIntBE = saved.readUIntBE;
    proto.readIntBE = saved.readIntBE;
    Buffer.poolSize = saved.poolSize;
  });
}

/**
 * A live-style WebM as Chromium's MediaRecorder writes it (no Duration, no Cues,
 * unknown sizes): 2 s of VP8 + Opus from an opaque canvas and an oscillator.
 */
export function liveWebm(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(new URL('../../src/recording/__fixtures__/mediarecorder-2s.webm', import.meta.url)));
}
