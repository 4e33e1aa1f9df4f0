import { describe, expect, it } from 'vitest';
import { crop, downsample, upsample } from './camera.js';
import { backgroundColor, colorDist, drawBackground, fillMask, isoluminantColor, luma, objectColor } from './draw.js';
import { createImage } from './image.js';
import { bbox, canonicalMasks, canonicalSDFs, CANON, categoryMask, maskArea, maskIoU, outlineOf } from './masks.js';
import { SceneRng } from '../util/rng.js';
import { CATEGORIES } from './shapes.js';

describe('categories', () => {
  it('has at least 12 categories with clearly different silhouettes', () => {
    expect(CATEGORIES.length).toBeGreaterThanOrEqual(12);
    const masks = canonicalMasks();
    for (let i = 0; i < masks.length; i++) {
      const area = masks[i].reduce((s, v) => s + v, 0) / (CANON * CANON);
      expect(area, CATEGORIES[i]).toBeGreaterThan(0.12); // fills a decent part of its box
      for (let j = i + 1; j < masks.length; j++) expect(maskIoU(masks[i], masks[j]), `${CATEGORIES[i]} vs ${CATEGORIES[j]}`).toBeLessThan(0.85);
    }
  });

  it('maskIoU: intersection over union of two 0/1 masks, 0 for two empty ones', () => {
    const m = (...v: number[]) => Uint8Array.from(v);
    expect(maskIoU(m(1, 1, 0, 0), m(0, 1, 1, 0))).toBeCloseTo(1 / 3);
    expect(maskIoU(m(1, 0), m(1, 0))).toBe(1);
    expect(maskIoU(m(1, 0), m(0, 1))).toBe(0);
    expect(maskIoU(m(0, 0), m(0, 0))).toBe(0);
  });

  it('rasterises at a pose, squashes, outlines', () => {
    const m = categoryMask(CATEGORIES.indexOf('square'), { cx: 32, cy: 32, r: 20, sx: 1, sy: 1 });
    expect(maskArea(m)).toBeGreaterThan(0.7 * 40 * 40 * 0.78 * 0.78);
    const thin = categoryMask(CATEGORIES.indexOf('square'), { cx: 32, cy: 32, r: 20, sx: 0.1, sy: 1 });
    expect(maskArea(thin)).toBeLessThan(maskArea(m) * 0.15);
    const o = outlineOf(m);
    expect(maskArea(o)).toBeGreaterThan(100);
    expect(maskArea(o)).toBeLessThan(160);
  });

  it('has signed distance fields negative inside, positive outside', () => {
    const sdf = canonicalSDFs()[0];
    const m = canonicalMasks()[0];
    for (let i = 0; i < m.length; i += 97) expect(Math.sign(sdf[i]) || -1).toBe(m[i] ? -1 : 1);
  });
});

describe('bbox', () => {
  it('is the inclusive box of the set pixels, or null', () => {
    const m = new Uint8Array(5 * 4);
    expect(bbox(m, 5, 4)).toBeNull();
    m[1 * 5 + 3] = 1;
    m[2 * 5 + 1] = 1;
    expect(bbox(m, 5, 4)).toEqual({ x0: 1, y0: 1, x1: 3, y1: 2 });
    m[3 * 5 + 4] = 1;
    expect(bbox(m, 5, 4)).toEqual({ x0: 1, y0: 1, x1: 4, y1: 3 });
  });
});

describe('drawing', () => {
  it('draws light backgrounds and distinct object colours', () => {
    const rng = new SceneRng(9);
    for (let k = 0; k < 20; k++) {
      const bg = backgroundColor(rng);
      expect(luma(bg)).toBeGreaterThan(190);
      expect(colorDist(objectColor(rng, bg), bg)).toBeGreaterThanOrEqual(110);
      const iso = isoluminantColor(rng, backgroundColor(rng, false));
      expect(colorDist(iso, [luma(iso), luma(iso), luma(iso)])).toBeGreaterThan(60);
    }
    const img = drawBackground(new SceneRng(1), 32, 32, [220, 220, 220]);
    let lo = 255, hi = 0;
    for (const v of img.data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(hi - lo).toBeGreaterThan(3); // mildly textured
    expect(hi - lo).toBeLessThan(40);
    fillMask(img, categoryMask(0, { cx: 16, cy: 16, r: 10, sx: 1, sy: 1 }), [255, 0, 0]);
    expect([...img.data.slice((16 * 32 + 16) * 3, (16 * 32 + 16) * 3 + 3)]).toEqual([255, 0, 0]);
  });

  it('crops, downsamples and upsamples', () => {
    const img = createImage(8, 8);
    for (let i = 0; i < 64; i++) img.data[i * 3] = i;
    expect(crop(img, 2, 3, 2, 2).data[0]).toBe(3 * 8 + 2);
    const d = downsample(img, 2);
    expect(d.width).toBe(4);
    expect(d.data[0]).toBe(Math.round((0 + 1 + 8 + 9) / 4));
    expect(upsample(d, 2).width).toBe(8);
  });
});
