import { describe, expect, it } from 'vitest';
import { categoryMask, maskAt, type Pose } from '../../scenes/masks.js';
import { CATEGORIES } from '../../scenes/shapes.js';
import { generateSuite } from '../generate.js';
import { SLIVER_MIN, pixelsInWindow } from './camera.js';

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
});
