import { describe, expect, it } from 'vitest';
import { computeGrid, containRect, coverCrop, type Rect } from './grid-layout.js';

const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const inside = (r: Rect, w: number, h: number) => r.x >= 0 && r.y >= 0 && r.x + r.w <= w && r.y + r.h <= h;

describe('computeGrid', () => {
  it('returns nothing for no tiles', () => {
    expect(computeGrid(0, 1280, 720)).toEqual([]);
  });

  it('gives one tile almost the whole 16:9 canvas', () => {
    const [r] = computeGrid(1, 1280, 720, { gap: 8 });
    expect(r).toBeDefined();
    expect(r!.w).toBeGreaterThan(1200);
    expect(r!.w / r!.h).toBeCloseTo(16 / 9, 1);
  });

  it.each([2, 3, 4, 5, 6, 7, 8, 9])('lays out %i tiles inside the canvas without overlap', (n) => {
    const rects = computeGrid(n, 1280, 720);
    expect(rects).toHaveLength(n);
    for (const r of rects) expect(inside(r, 1280, 720)).toBe(true);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(overlaps(rects[i]!, rects[j]!)).toBe(false);
    // All tiles share one size.
    expect(new Set(rects.map((r) => `${r.w}x${r.h}`)).size).toBe(1);
  });

  it('uses 2 columns for 4 tiles and centres a short last row', () => {
    const four = computeGrid(4, 1280, 720);
    expect(new Set(four.map((r) => r.y)).size).toBe(2);
    const three = computeGrid(3, 1280, 720);
    // 3 tiles on 16:9: 2 on top, 1 centred below.
    const last = three[2]!;
    expect(Math.abs(last.x + last.w / 2 - 640)).toBeLessThanOrEqual(1);
  });
});

describe('crop helpers', () => {
  it('coverCrop crops the long side of the source', () => {
    const c = coverCrop(640, 480, { x: 0, y: 0, w: 160, h: 90 });
    expect(c.w).toBe(640);
    expect(c.h).toBeCloseTo(360);
    expect(c.y).toBeCloseTo(60);
  });

  it('containRect letterboxes inside the tile', () => {
    const r = containRect(1280, 720, { x: 10, y: 10, w: 400, h: 400 });
    expect(r.w).toBeCloseTo(400);
    expect(r.h).toBeCloseTo(225);
    expect(r.y).toBeCloseTo(10 + (400 - 225) / 2);
  });
});
