import { describe, expect, it } from 'vitest';
import { corrupt, CORRUPTIONS, enhance, gaussianBlur } from './corrupt.js';
import { drawBackground, fillMask } from './draw.js';
import type { RGBImage } from './image.js';
import { categoryMask } from './masks.js';
import { SceneRng } from '../util/rng.js';

function scene(): RGBImage {
  const img = drawBackground(new SceneRng(3), 64, 64, [225, 228, 232]);
  fillMask(img, categoryMask(3, { cx: 32, cy: 32, r: 20, sx: 1, sy: 1 }), [40, 90, 200], [20, 45, 100]);
  fillMask(img, categoryMask(0, { cx: 12, cy: 50, r: 8, sx: 1, sy: 1 }), [230, 200, 20]);
  return img;
}
const mse = (a: RGBImage, b: RGBImage) => {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i] - b.data[i]) ** 2;
  return s / a.data.length;
};

describe('corruptions', () => {
  const clean = scene();
  it.each(CORRUPTIONS.map((c) => [c]))('%s: level 0 is the identity, higher levels hurt more', (c) => {
    expect(mse(corrupt(clean, c, 0), clean)).toBe(0);
    const mild = mse(corrupt(clean, c, 0.3, 5), clean);
    const hard = mse(corrupt(clean, c, 1, 5), clean);
    expect(mild).toBeGreaterThan(0);
    expect(hard).toBeGreaterThan(mild);
  });

  it.each(CORRUPTIONS.map((c) => [c]))('%s: the matching enhancement undoes much of it', (c) => {
    const bad = corrupt(clean, c, c === 'jpeg' ? 0.8 : 0.4, 5);
    const fixed = enhance(bad, c);
    expect(mse(fixed, clean)).toBeLessThan(mse(bad, clean));
  });

  it('blur keeps the mean and is deterministic', () => {
    const b = gaussianBlur(clean, 3);
    const m = (x: RGBImage) => x.data.reduce((s, v) => s + v, 0) / x.data.length;
    expect(Math.abs(m(b) - m(clean))).toBeLessThan(1.5);
    expect(Buffer.from(corrupt(clean, 'noise', 0.5, 9).data).equals(Buffer.from(corrupt(clean, 'noise', 0.5, 9).data))).toBe(true);
  });
});
