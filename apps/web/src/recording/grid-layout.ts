/**
 * Grid layout of the meeting recording canvas: pure math, recomputed every frame
 * from the current participants so joins and leaves never need special handling.
 */

/** A rectangle in canvas pixels. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Options of {@link computeGrid}. */
export interface GridOptions {
  /** Aspect ratio (width / height) each tile keeps. @default 16/9 */
  tileAspect?: number;
  /** Gap between tiles and around the edge, in pixels. @default 8 */
  gap?: number;
}

/**
 * Lay out `count` equal tiles in a `width` x `height` area: the number of columns
 * that gives the largest tiles wins; rows are centred vertically and a short last
 * row is centred horizontally (as people expect from a call grid).
 *
 * @returns one rect per tile, in reading order; empty when `count` is 0.
 */
export function computeGrid(count: number, width: number, height: number, options: GridOptions = {}): Rect[] {
  const aspect = options.tileAspect ?? 16 / 9;
  const gap = options.gap ?? 8;
  if (count <= 0 || width <= 0 || height <= 0) return [];

  let best = { cols: 1, rows: count, tileW: 0, tileH: 0 };
  for (let cols = 1; cols <= count; cols++) {
    const rows = Math.ceil(count / cols);
    const cellW = (width - gap * (cols + 1)) / cols;
    const cellH = (height - gap * (rows + 1)) / rows;
    if (cellW <= 0 || cellH <= 0) continue;
    // Largest tile of the right aspect that fits the cell.
    const tileW = Math.min(cellW, cellH * aspect);
    const tileH = tileW / aspect;
    if (tileW > best.tileW) best = { cols, rows, tileW, tileH };
  }

  const { cols, rows, tileW, tileH } = best;
  const rects: Rect[] = [];
  const usedH = rows * tileH + (rows - 1) * gap;
  const top = (height - usedH) / 2;
  for (let i = 0; i < count; i++) {
    const row = Math.floor(i / cols);
    const inRow = row === rows - 1 ? count - row * cols : cols;
    const col = i - row * cols;
    const rowW = inRow * tileW + (inRow - 1) * gap;
    const left = (width - rowW) / 2;
    rects.push({
      x: Math.round(left + col * (tileW + gap)),
      y: Math.round(top + row * (tileH + gap)),
      w: Math.round(tileW),
      h: Math.round(tileH),
    });
  }
  return rects;
}

/**
 * Where to draw a `srcW` x `srcH` frame inside `dest` so it fills the tile without
 * distortion ("cover"): returns the source crop rectangle.
 */
export function coverCrop(srcW: number, srcH: number, dest: Rect): Rect {
  if (srcW <= 0 || srcH <= 0) return { x: 0, y: 0, w: 0, h: 0 };
  const destAspect = dest.w / dest.h;
  const srcAspect = srcW / srcH;
  if (srcAspect > destAspect) {
    const w = srcH * destAspect;
    return { x: (srcW - w) / 2, y: 0, w, h: srcH };
  }
  const h = srcW / destAspect;
  return { x: 0, y: (srcH - h) / 2, w: srcW, h };
}

/**
 * Where to draw a frame inside `dest` keeping all of it visible ("contain"), used for
 * screen shares where cropping would hide content.
 */
export function containRect(srcW: number, srcH: number, dest: Rect): Rect {
  if (srcW <= 0 || srcH <= 0) return { ...dest };
  const scale = Math.min(dest.w / srcW, dest.h / srcH);
  const w = srcW * scale;
  const h = srcH * scale;
  return { x: dest.x + (dest.w - w) / 2, y: dest.y + (dest.h - h) / 2, w, h };
}
