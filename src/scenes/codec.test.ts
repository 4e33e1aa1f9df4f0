import { PNG } from 'pngjs';
import { describe, expect, it, vi } from 'vitest';
import { decodeImage, decodeJPEG, encodeJPEG, encodePNG } from './codec.js';
import { createImage } from './image.js';

describe('codec', () => {
  const img = createImage(7, 5);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 37) % 256;
  it('PNG round-trips exactly', () => {
    const back = decodeImage(encodePNG(img));
    expect(back.width).toBe(7);
    expect(Array.from(back.data)).toEqual(Array.from(img.data));
  });
  it('JPEG round-trips approximately and lossy', () => {
    const flat = createImage(16, 16, [200, 50, 50]);
    const back = decodeJPEG(encodeJPEG(flat, 90));
    expect(Math.abs(back.data[0] - 200)).toBeLessThan(12);
  });
  it('an empty file says it is empty, not that it is not an image', () => {
    expect(() => decodeImage(new Uint8Array(0), 'x.png')).toThrow('x.png: the file is empty (0 bytes); copy or save it again');
  });
  it("a decoder's thrown value that is not an Error is described, not \"[object Object]\" (describeError)", () => {
    const read = vi.spyOn(PNG.sync, 'read').mockImplementation(() => {
      throw { code: 'ZLIB', detail: 'bad block' }; // a library's bare error object
    });
    try {
      expect(() => decodeImage(encodePNG(img), 'x.png')).toThrow("x.png: cannot decode image: { code: 'ZLIB', detail: 'bad block' }");
    } finally {
      read.mockRestore();
    }
  });
  it('names the file on garbage', () => {
    expect(() => decodeImage(new Uint8Array([1, 2, 3]), 'x.png')).toThrow(/x\.png.*not a PNG or JPEG/);
  });
  it('a PNG cut short (a copy or download stopped midway) says so, wherever it stops', () => {
    const png = encodePNG(img);
    // pngjs says "There are some read requests waitng on finished stream" for every one of these
    for (const n of [24, 40, png.length >> 1, png.length - 12, png.length - 1]) {
      expect(() => decodeImage(png.subarray(0, n), 'x.png')).toThrow(`x.png: cannot decode image: the PNG file ends early (truncated: a copy or download stopped midway?); copy or save it again`);
    }
  });
});
