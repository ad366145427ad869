/**
 * Sizes call tiles so that `count` of them fill a container as much as possible.
 * Tiles keep an aspect ratio within a range: never wider than 16:9 (the camera's
 * shape) and never narrower than 4:3 on landscape screens or 9:16 on portrait phones,
 * where tall tiles use the space better (a phone's own camera is 9:16). `object-fit: cover` crops the rest.
 */

/** Result of {@link layoutTiles}. */
export interface TileLayout {
  columns: number;
  rows: number;
  /** Tile size in CSS pixels. */
  width: number;
  height: number;
}

/** Computes the best grid for `count` tiles in a `width`×`height` box with `gap` between tiles. */
export function layoutTiles(count: number, width: number, height: number, gap = 8): TileLayout {
  const n = Math.max(1, Math.floor(count));
  const w = Math.max(0, width);
  const h = Math.max(0, height);
  const maxAspect = 16 / 9;
  const minAspect = h > w ? 9 / 16 : 4 / 3;
  let best: TileLayout = { columns: 1, rows: n, width: 0, height: 0 };
  let bestArea = -1;
  for (let columns = 1; columns <= n; columns++) {
    const rows = Math.ceil(n / columns);
    let tw = (w - gap * (columns - 1)) / columns;
    let th = (h - gap * (rows - 1)) / rows;
    if (tw <= 0 || th <= 0) continue;
    if (tw / th > maxAspect) tw = th * maxAspect;
    else if (tw / th < minAspect) th = tw / minAspect;
    const area = tw * th;
    // Ties go to fewer columns: fewer empty cells in the last row.
    if (area > bestArea + 0.5) {
      bestArea = area;
      best = { columns, rows, width: Math.floor(tw), height: Math.floor(th) };
    }
  }
  return best;
}
