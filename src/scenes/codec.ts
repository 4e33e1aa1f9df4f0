/**
 * Image files ↔ RGB pixel buffers: PNG (pngjs), JPEG decoding with libjpeg-turbo (jpeg-turbo.ts,
 * WebAssembly: the pixels PIL gives) and JPEG encoding with jpeg-js (pure JavaScript). Alpha is
 * dropped, as PIL's `Image.convert("RGB")` does (the images ProactiveBench feeds its models);
 * grey and palette PNGs become RGB. Every decode first checks the size the file declares
 * against the limits of image-limits.ts, so a hostile header costs nothing.
 */
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import type { Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { DataError, describeError, NotFoundError } from '../util/errors.js';
import { fileKind } from '../util/file-kind.js';
import { toRGBA, type RGBImage } from './image.js';
import { checkImageLimits, imageLimits } from './image-limits.js';
import { decodeJPEGTurbo } from './jpeg-turbo.js';

/** RGBA (4 bytes/pixel) → RGB, alpha dropped as PIL's `convert("RGB")` drops it. */
function rgbaToRgb(rgba: Uint8Array, width: number, height: number): RGBImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) {
    data[j] = rgba[i];
    data[j + 1] = rgba[i + 1];
    data[j + 2] = rgba[i + 2];
  }
  return { width, height, data };
}

export function encodePNG(img: RGBImage): Buffer {
  const png = new PNG({ width: img.width, height: img.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

export function decodePNG(buf: Uint8Array, name = 'image'): RGBImage {
  checkImageLimits(buf, name);
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  } catch (e) {
    // pngjs's words for a file that stops before its last chunk, wherever it stops (its own typo included)
    if (e instanceof Error && /read requests wait(?:i)?ng on finished stream|unexpected end of file/i.test(e.message)) {
      throw new DataError('cannot decode image: the PNG file ends early (truncated: a copy or download stopped midway?); copy or save it again', { file: name, cause: e });
    }
    throw e;
  }
  return rgbaToRgb(png.data, png.width, png.height);
}

/** Encode as baseline JPEG at `quality` (1–100). */
export function encodeJPEG(img: RGBImage, quality: number): Buffer {
  return jpeg.encode({ width: img.width, height: img.height, data: toRGBA(img) }, quality).data;
}

/**
 * Decode a JPEG file's pixels exactly as PIL does (`Image.open(p).convert("RGB")`): with
 * libjpeg-turbo, through jpeg-turbo.ts. jpeg-turbo.test.ts compares the two on every kind of
 * JPEG (subsampling, progressive, restart markers, grey, CMYK, RGB, odd sizes).
 */
export function decodeJPEG(buf: Uint8Array, name = 'image'): RGBImage {
  const declared = checkImageLimits(buf, name);
  if (!declared) throw new DataError('not a JPEG file', { file: name });
  return decodeJPEGTurbo(buf, name, declared);
}

/**
 * Decode with jpeg-js (pure JavaScript; no fancy chroma upsampling, its own IDCT and colour
 * rounding — up to several /255 away from PIL). Used by the synthetic suite's JPEG corruption
 * (jpeg.ts), whose images and fingerprints were made with it: jpeg-js encodes 4:4:4 and that
 * round trip is its own effect, not a file ProactiveBench reads, so it keeps its bytes.
 */
export function decodeJPEGjs(buf: Uint8Array, name = 'image'): RGBImage {
  checkImageLimits(buf, name);
  const maxPixels = imageLimits().maxPixels;
  // jpeg-js's own guards as a second line: its pixel limit, and memory for the decoded planes
  const d = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: maxPixels / 1e6, maxMemoryUsageInMB: Math.max(64, Math.ceil((maxPixels * 16) / 2 ** 20)) });
  return rgbaToRgb(d.data, d.width, d.height);
}

/** Decode by magic bytes (PNG or JPEG). `name` is used in error messages. */
export function decodeImage(buf: Uint8Array, name = 'image'): RGBImage {
  if (buf.length === 0) throw new DataError('the file is empty (0 bytes); copy or save it again', { file: name });
  try {
    if (buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47) return decodePNG(buf, name);
    if (buf[0] === 0xff && buf[1] === 0xd8) return decodeJPEG(buf, name);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`cannot decode image: ${describeError(e)}`, { file: name, cause: e });
  }
  throw new DataError('not a PNG or JPEG file', { file: name });
}

/**
 * Read and decode an image file, with errors that name the file. One open: the size checked and the bytes read are
 * the same file's (it was opened twice, the second time by name). A folder, a socket or a device is said as what it is
 * (util/file-kind.ts), found by a stat before any open (a socket was "cannot read image: ENXIO…"); so is a named pipe: its
 * open and read wait for a writer, holding a thread of libuv's pool and the step that shows it, and its size (0 to a stat)
 * let it past the image size limit (the suite readers refuse one up front, but not with `checkImages: 'lazy'`).
 */
export async function readImageFile(path: string): Promise<RGBImage> {
  let buf: Buffer;
  const readable = (s: Stats) => s.isFile();
  const notAnImage = (s: Stats) => new DataError(`is ${fileKind(s)}, not an image file`, { file: path });
  try {
    const named = await stat(path);
    if (!readable(named)) throw notAnImage(named);
    const fh = await open(path, 'r');
    try {
      // the size first, so a huge file is refused without being read
      const s = await fh.stat();
      if (!readable(s)) throw notAnImage(s);
      const max = imageLimits().maxBytes;
      if (s.size > max) throw new DataError(`image of ${s.size} bytes is over the limit of ${max} (ASKFIRST_MAX_IMAGE_BYTES)`, { file: path });
      buf = await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`image file not found: ${path}`, { cause: e });
    throw new DataError(`cannot read image: ${describeError(e)}`, { file: path, cause: e });
  }
  const img = decodeImage(buf, path);
  if (buf[0] === 0xff && buf[1] === 0xd8) img.encoded = { mime: 'image/jpeg', bytes: buf };
  return img;
}
