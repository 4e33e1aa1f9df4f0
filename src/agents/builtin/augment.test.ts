import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.js';
import { createImage } from '../../scenes/image.js';
import { augment, erase } from './augment.js';

/** A 32×32 grey image with a red 12×12 square at (10, 10). */
function square() {
  const img = createImage(32, 32, [128, 128, 128]);
  for (let y = 10; y < 22; y++) for (let x = 10; x < 22; x++) img.data.set([220, 20, 20], (y * 32 + x) * 3);
  return img;
}

describe('augmentation', () => {
  it('augment keeps size and leaves the input untouched', () => {
    const img = square();
    const copy = img.data.slice();
    const out = augment(img, new Rng(1));
    expect([out.width, out.height]).toEqual([32, 32]);
    expect(img.data).toEqual(copy);
  });
  it('erase reports the share of object pixels it painted over', () => {
    const img = square();
    for (let seed = 0; seed < 20; seed++) {
      const { image, hidden } = erase(img, new Rng(seed));
      // The painted block: the bounding box of every pixel that changed.
      let [x0, y0, x1, y1] = [32, 32, -1, -1];
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) {
          const i = (y * 32 + x) * 3;
          if (image.data[i] === img.data[i] && image.data[i + 1] === img.data[i + 1] && image.data[i + 2] === img.data[i + 2]) continue;
          [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
        }
      expect(x1).toBeGreaterThanOrEqual(x0); // something was painted
      // The share of the square's 144 pixels inside that block.
      const ox = Math.max(0, Math.min(x1 + 1, 22) - Math.max(x0, 10));
      const oy = Math.max(0, Math.min(y1 + 1, 22) - Math.max(y0, 10));
      expect(hidden).toBeCloseTo((ox * oy) / 144, 6);
    }
    // Over many seeds the block sometimes misses the object and sometimes covers most of it.
    const shares = Array.from({ length: 50 }, (_, s) => erase(img, new Rng(s)).hidden);
    expect(Math.min(...shares)).toBeLessThan(0.2);
    expect(Math.max(...shares)).toBeGreaterThan(0.8);
  });
});
