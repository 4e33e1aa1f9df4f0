import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../baselines/random.js';
import { decodePNG } from '../../scenes/codec.js';
import { createImage } from '../../scenes/image.js';
import { encodePNGFast } from './png.js';

describe('encodePNGFast', () => {
  it('decodes to the same pixels (odd sizes, noise and flat areas, every level)', () => {
    const rand = mulberry32(1);
    for (const [w, h] of [[1, 1], [7, 3], [64, 64], [33, 100]]) {
      const img = createImage(w, h);
      for (let i = 0; i < img.data.length; i++) img.data[i] = i % 5 === 0 ? 200 : Math.floor(rand() * 256);
      for (const level of [0, 1, 6, 9]) {
        const back = decodePNG(encodePNGFast(img, level));
        expect([back.width, back.height]).toEqual([w, h]);
        expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
      }
    }
  });
});
