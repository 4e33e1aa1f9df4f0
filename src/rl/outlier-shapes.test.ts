import { describe, expect, it } from 'vitest';
import { CANON, canonicalMasks } from '../scenes/masks.js';
import { CATEGORIES } from '../scenes/shapes.js';
import { SceneRng } from '../util/rng.js';
import { CATEGORY_IOU_MAX, categoryOverlap, outlierPool, randomShape } from './outlier-shapes.js';

describe('outlier shapes (outlier exposure)', () => {
  it('a category silhouette overlaps itself fully, so it would be rejected', () => {
    CATEGORIES.forEach((_, c) => {
      const m = canonicalMasks()[c];
      const shape = (u: number, v: number) => m[Math.floor(((v + 1) / 2) * CANON) * CANON + Math.floor(((u + 1) / 2) * CANON)] === 1;
      expect(categoryOverlap(shape)).toBeGreaterThan(0.99);
    });
  });
  it('draws shapes that are none of the categories, the same for the same seed', () => {
    const rng = new SceneRng(5);
    let kept = 0;
    for (let i = 0; i < 200; i++) if (categoryOverlap(randomShape(rng)) < CATEGORY_IOU_MAX) kept++;
    expect(kept).toBeGreaterThan(100); // most draws are outliers already; the rest are redrawn
    const a = outlierPool(4, 32, 9);
    const b = outlierPool(4, 32, 9);
    expect(a.map((im) => im.width)).toEqual([32, 32, 32, 32]);
    expect(Buffer.from(a[3].data).equals(Buffer.from(b[3].data))).toBe(true);
    expect(Buffer.from(a[2].data).equals(Buffer.from(a[3].data))).toBe(false);
  });
});
