import { describe, expect, it } from 'vitest';
import { decodeJPEG, encodeJPEG } from './codec.js';
import { createImage } from './image.js';
import { encodeJPEGFast, jpegRoundTripFast } from './jpeg.js';
import { SceneRng } from '../util/rng.js';

describe('encodeJPEGFast', () => {
  it('writes the same bytes as codec.ts encodeJPEG, call after call', () => {
    const rng = new SceneRng(5);
    for (const q of [1, 10, 50, 90, 10]) {
      const img = createImage(24 + q % 7, 17, [0, 0, 0]);
      for (let i = 0; i < img.data.length; i++) img.data[i] = Math.floor(rng.next() * 256);
      expect(Buffer.from(encodeJPEGFast(img, q)).equals(encodeJPEG(img, q))).toBe(true);
    }
  });
  it('round-trips to a close image', () => {
    const img = createImage(32, 32, [200, 60, 30]);
    const back = jpegRoundTripFast(img, 90);
    expect(back.width).toBe(32);
    let err = 0;
    for (let i = 0; i < img.data.length; i++) err = Math.max(err, Math.abs(img.data[i] - back.data[i]));
    expect(err).toBeLessThan(12);
    expect(decodeJPEG(encodeJPEGFast(img, 5)).data.length).toBe(img.data.length);
  });
});
