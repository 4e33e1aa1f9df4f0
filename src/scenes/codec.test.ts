import { PNG } from 'pngjs';
import { describe, expect, it, vi } from 'vitest';
import { crc32, deflateSync } from 'node:zlib';
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

  describe('interlaced PNG (Adam7)', () => {
    const chunk = (type: string, data: Buffer) => {
      const b = Buffer.alloc(12 + data.length);
      b.writeUInt32BE(data.length, 0);
      b.write(type, 4, 'latin1');
      data.copy(b, 8);
      b.writeUInt32BE(crc32(b.subarray(4, 8 + data.length)), 8 + data.length);
      return b;
    };
    /** An 8-bit RGB interlaced PNG of `im` (each pass's rows unfiltered), or of `raw` as its inflated image data. */
    const interlaced = (im: { width: number; height: number; data: Uint8Array }, raw?: Buffer) => {
      const ihdr = Buffer.alloc(13);
      ihdr.writeUInt32BE(im.width, 0);
      ihdr.writeUInt32BE(im.height, 4);
      ihdr[8] = 8;
      ihdr[9] = 2;
      ihdr[12] = 1;
      if (!raw) {
        const rows: number[] = [];
        for (const [x0, y0, dx, dy] of [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]]) {
          if (x0 >= im.width) continue;
          for (let y = y0; y < im.height; y += dy) {
            rows.push(0);
            for (let x = x0; x < im.width; x += dx) rows.push(...im.data.subarray((y * im.width + x) * 3, (y * im.width + x) * 3 + 3));
          }
        }
        raw = Buffer.from(rows);
      }
      const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
    };
    it('decodes as its non-interlaced twin', () => {
      for (const [w, h] of [[7, 5], [1, 1], [9, 3], [16, 16]]) {
        const im = createImage(w, h);
        for (let i = 0; i < im.data.length; i++) im.data[i] = (i * 53 + 11) % 256;
        expect(Array.from(decodeImage(interlaced(im), 'i.png').data)).toEqual(Array.from(im.data));
      }
    });
    it('whose data inflates past what its size needs is refused before it is inflated whole (a decompression bomb)', () => {
      // 16 MiB of zeros deflate to 16 KB; declared 1×1: pngjs inflated it all (a 400 KB one: 2.9 s, 860 MB), then
      // said "unrecognised content at end of stream"
      const bomb = interlaced(createImage(1, 1), Buffer.alloc(16 * 2 ** 20));
      expect(bomb.length).toBeLessThan(20_000);
      const inflate = vi.spyOn(PNG.sync, 'read');
      try {
        expect(() => decodeImage(bomb, 'bomb.png')).toThrow(
          "bomb.png: cannot decode image: the interlaced PNG's image data inflates to more than the 4 bytes its 1×1 pixels need (a decompression bomb?)",
        );
        expect(inflate).not.toHaveBeenCalled();
      } finally {
        inflate.mockRestore();
      }
    });
  });
});
