import { describe, expect, it } from 'vitest';
import { categoryMask, maskAt, type Pose } from '../../scenes/masks.js';
import { CATEGORIES } from '../../scenes/shapes.js';
import { generateSuite } from '../generate.js';
import { SLIVER_MIN, cameraCoverage, pixelsInWindow } from './camera.js';

describe('camera episodes', () => {
  const S = 64;
  const eps = generateSuite({ episodes: 40, seed: 21, kinds: ['camera'], size: S });

  it('the first window of every non-control episode grazes the object (a sliver shows, so the way to it can be seen)', () => {
    const open = eps.filter((e) => !e.control);
    expect(open.length).toBeGreaterThan(20);
    for (const e of open) {
      const m = e.meta as { firstWindow: [number, number]; step: number; object: { cx: number; cy: number; r: number } };
      const pose: Pose = { ...m.object, sx: 1, sy: 1 };
      const mask = categoryMask(CATEGORIES.indexOf(e.categories[e.answer]), pose);
      const [x0, y0] = [m.firstWindow[0] * m.step, m.firstWindow[1] * m.step];
      let n = 0;
      for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) n += maskAt(mask, x0 + x, y0 + y) ? 1 : 0;
      expect(n, e.id).toBeGreaterThanOrEqual(SLIVER_MIN * S * S);
      expect(pixelsInWindow(mask, x0, y0, S), e.id).toBe(n); // the fast count agrees with the pixel-by-pixel one
      expect(e.informative?.[e.firstView], e.id).toBe(false); // … and the sliver still does not tell the category
    }
  });

  it('moving toward the sliver is always a valid first move', () => {
    for (const e of eps.filter((x) => !x.control)) {
      const m = e.meta as { firstWindow: [number, number]; step: number; object: { cx: number; cy: number } };
      const dx = m.object.cx - (m.firstWindow[0] * m.step + S / 2);
      const dy = m.object.cy - (m.firstWindow[1] * m.step + S / 2);
      const toward = Math.abs(dx) >= Math.abs(dy) ? (dx < 0 ? 0 : 1) : dy < 0 ? 2 : 3; // left, right, up, down
      expect(e.steps[e.firstView].next[toward], e.id).toBeDefined();
    }
  });

  it('the coverage map says where the object is in each view (cell by cell, as a pixel count over the scene agrees)', () => {
    const G = 8;
    for (const e of eps.slice(0, 12)) {
      const m = e.meta as { windows: [number, number, number][]; object: { cx: number; cy: number; r: number } };
      expect(m.windows.length, e.id).toBe(e.views.length);
      const mask = categoryMask(CATEGORIES.indexOf(e.categories[e.answer]), { ...m.object, sx: 1, sy: 1 });
      for (let v = 0; v < e.views.length; v++) {
        const cov = cameraCoverage(e, v, G)!;
        const [x0, y0, side] = m.windows[v];
        const c = side / G;
        for (const [a, b] of [[0, 0], [3, 4], [7, 7], [7, 0], [2, 6]]) {
          let n = 0;
          for (let y = 0; y < c; y++) for (let x = 0; x < c; x++) n += maskAt(mask, x0 + a * c + x, y0 + b * c + y) ? 1 : 0;
          expect(cov[b * G + a], `${e.id} view ${v} cell ${a},${b}`).toBeCloseTo(n / (c * c), 6);
        }
      }
      const total = (v: number) => cameraCoverage(e, v, G)!.reduce((s, x) => s + x, 0);
      if (!e.control) expect(total(e.firstView), e.id).toBeLessThan(total(e.referenceView)); // a sliver, then the object
    }
    expect(cameraCoverage({ ...eps[0], kind: 'sketch' }, 0, G)).toBeNull();
  });
});
