import { describe, expect, it } from 'vitest';
import { decodePNG } from './codec.js';
import { createImage } from './image.js';
import { SceneRng } from '../util/rng.js';
import { encodePNGFast, pngDataUrl } from './png.js';

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

  it('pngDataUrl: a base64 PNG data URL that decodes to the same pixels', () => {
    const img = createImage(5, 3, [10, 20, 30]);
    img.data[7] = 250;
    const url = pngDataUrl(img);
    expect(url).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    const back = decodePNG(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
    expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
  });
});
