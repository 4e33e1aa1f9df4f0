import { describe, expect, it } from 'vitest';
import { decodePNG } from '../../scenes/codec.js';
import { createImage } from '../../scenes/image.js';
import { SceneRng } from '../../util/rng.js';
import { encodePNGFast } from './png.js';

describe('encodePNGFast', () => {
  it('decodes to the same pixels (odd sizes, noise and flat areas, every level)', () => {
    const rng = new SceneRng(1);
    for (const [w, h] of [[1, 1], [7, 3], [64, 64], [33, 100]]) {
      const img = createImage(w, h);
      for (let i = 0; i < img.data.length; i++) img.data[i] = i % 5 === 0 ? 200 : Math.floor(rng.next() * 256);
      for (const level of [0, 1, 6, 9]) {
        const back = decodePNG(encodePNGFast(img, level));
        expect([back.width, back.height]).toEqual([w, h]);
        expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
      }
    }
  });
});
