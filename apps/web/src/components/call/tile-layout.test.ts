import { describe, expect, it } from 'vitest';
import { layoutTiles } from './tile-layout';

describe('layoutTiles', () => {
  it('puts two people side by side on a desktop and stacks them on a phone', () => {
    const desk = layoutTiles(2, 1400, 750, 0);
    expect([desk.columns, desk.rows]).toEqual([2, 1]);
    expect(desk.width / desk.height).toBeCloseTo(4 / 3, 1);
    const phone = layoutTiles(2, 390, 650, 0);
    expect([phone.columns, phone.rows]).toEqual([1, 2]);
  });

  it('never makes tiles wider than 16:9', () => {
    const one = layoutTiles(1, 2000, 500, 0);
    expect(one.width / one.height).toBeLessThanOrEqual(16 / 9 + 0.01);
    expect(one.height).toBe(500);
  });

  it('uses a 2×2 grid for four on a phone and 3 columns for nine on a desktop', () => {
    expect(layoutTiles(4, 390, 650, 8).columns).toBe(2);
    expect(layoutTiles(9, 1400, 800, 8).columns).toBe(3);
  });

  it('always fits inside the box, gaps included', () => {
    for (const [n, w, h] of [[3, 1280, 720], [5, 390, 700], [8, 1024, 600], [7, 800, 1200]] as const) {
      const l = layoutTiles(n, w, h, 10);
      expect(l.columns * l.width + (l.columns - 1) * 10).toBeLessThanOrEqual(w);
      expect(l.rows * l.height + (l.rows - 1) * 10).toBeLessThanOrEqual(h);
      expect(l.columns * l.rows).toBeGreaterThanOrEqual(n);
    }
  });

  it('copes with an empty or zero-size box', () => {
    expect(layoutTiles(0, 0, 0).width).toBe(0);
  });
});
