import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { hostilePNG } from '../testing/hostile.js';
import { decodeImage, encodeJPEG, encodePNG, readImageFile } from './codec.js';
import { checkImageLimits, declaredImageSize, DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_IMAGE_PIXELS, setImageLimits } from './image-limits.js';
import { createImage } from './image.js';

/** A valid JPEG with its frame header rewritten to claim w×h. */
function hostileJPEG(w: number, h: number): Uint8Array {
  const buf = Uint8Array.from(encodeJPEG(createImage(8, 8, [10, 20, 30]), 80));
  for (let i = 2; i < buf.length; ) {
    const m = buf[i + 1];
    if (m === 0xc0) {
      buf[i + 5] = h >> 8;
      buf[i + 6] = h & 255;
      buf[i + 7] = w >> 8;
      buf[i + 8] = w & 255;
      return buf;
    }
    i += 2 + ((buf[i + 2] << 8) | buf[i + 3]);
  }
  throw new Error('no SOF0');
}

afterEach(() => setImageLimits({ maxPixels: DEFAULT_MAX_IMAGE_PIXELS, maxBytes: DEFAULT_MAX_IMAGE_BYTES }));

describe('image limits', () => {
  it('reads the declared size of PNG and JPEG headers', () => {
    expect(declaredImageSize(encodePNG(createImage(7, 5)))).toEqual({ format: 'png', width: 7, height: 5 });
    expect(declaredImageSize(encodeJPEG(createImage(9, 4), 80))).toEqual({ format: 'jpeg', width: 9, height: 4 });
    expect(declaredImageSize(new Uint8Array([1, 2, 3]))).toBeNull();
  });

  it('refuses a 254-byte PNG claiming 30000×30000 in milliseconds, without memory growth, naming the file', () => {
    const png = hostilePNG(30000, 30000);
    expect(png.length).toBeLessThan(300);
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 20; i++) expect(() => decodeImage(png, 'evil.png')).toThrow(/evil\.png: image declares 30000×30000 = 900000000 pixels, over the limit/);
    // 20 refusals: a decode would allocate 3.6 GB each
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 2 ** 20);
  });

  it('refuses a JPEG claiming 30000×30000, naming the file', () => {
    expect(() => decodeImage(hostileJPEG(30000, 30000), 'evil.jpg')).toThrow(/evil\.jpg: image declares 30000×30000/);
  });

  it('the limit is configurable', () => {
    const png = encodePNG(createImage(20, 20));
    expect(decodeImage(png).width).toBe(20);
    setImageLimits({ maxPixels: 399 });
    expect(() => decodeImage(png, 'a.png')).toThrow(/a\.png: image declares 20×20 = 400 pixels, over the limit of 399/);
    setImageLimits({ maxBytes: 10 });
    expect(() => checkImageLimits(png, 'a.png')).toThrow(/a\.png: image of \d+ bytes is over the limit of 10/);
  });

  it('readImageFile refuses a file over the byte limit before reading it', async () => {
    const dir = tmpDir('img-limits');
    const f = join(dir, 'big.png');
    writeFileSync(f, encodePNG(createImage(30, 30)));
    setImageLimits({ maxBytes: 20 });
    await expect(readImageFile(f)).rejects.toThrow(/big\.png: image of \d+ bytes is over the limit of 20/);
  });

  it('a zero-sized or cut-short header is a clear error', () => {
    expect(() => decodeImage(hostilePNG(0, 10), 'z.png')).toThrow(/z\.png: cannot decode image: PNG declares 0×10/);
    expect(() => decodeImage(hostilePNG(10, 10).subarray(0, 20), 't.png')).toThrow(/t\.png: cannot decode image: PNG of 20 bytes ends before/);
    expect(() => decodeImage(Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]), 'j.jpg')).toThrow(/j\.jpg: cannot decode image: JPEG has no frame header/);
  });

  it('alpha is dropped as PIL convert("RGB") drops it (not composited on white)', async () => {
    const { PNG } = await import('pngjs');
    const png = new PNG({ width: 1, height: 1 });
    png.data = Buffer.from([200, 100, 50, 0]); // fully transparent
    const img = decodeImage(PNG.sync.write(png));
    expect(Array.from(img.data)).toEqual([200, 100, 50]);
  });
});
