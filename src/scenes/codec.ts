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
import { inflateSync } from 'node:zlib';
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

/** Adam7's passes (ISO/IEC 15948 §8.2): first column and row, and the step between columns and rows. */
const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];
/** Samples per pixel of each PNG colour type (grey, RGB, palette, grey + alpha, RGBA). */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * An interlaced PNG's compressed image data inflated at most to what its header's size needs, else a DataError.
 * pngjs bounds the inflated data of a non-interlaced PNG by its width × height, but inflates an interlaced one's
 * whole (`zlib.inflateSync` without a limit, pngjs 7 parser-sync.js): deflate packs about 1,000 bytes into one, so a
 * 400 KB PNG declaring 1×1 pixels took 2.9 s and 860 MB to refuse, and a `serve` request's 8 MiB body held one that
 * would inflate to 4 GiB. Checked here first (inflating at most the size the header needs); a file that is not
 * what this reads (a chunk cut short, no IDAT) is left to pngjs, which says what is wrong with it.
 */
function checkInterlacedInflate(buf: Uint8Array, name: string): void {
  if (buf.length < 33 || buf[28] !== 1) return; // IHDR's interlace method: 1 is Adam7
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  const bitsPerPixel = b[24] * (PNG_CHANNELS[b[25]] ?? 4);
  let need = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const w = width > x0 ? Math.ceil((width - x0) / dx) : 0;
    const h = height > y0 ? Math.ceil((height - y0) / dy) : 0;
    if (w > 0 && h > 0) need += h * (Math.ceil((w * bitsPerPixel) / 8) + 1); // each row: its filter byte, then its pixels
  }
  const idat: Buffer[] = [];
  for (let i = 8; i + 8 <= b.length; ) {
    const length = b.readUInt32BE(i);
    const type = b.toString('latin1', i + 4, i + 8);
    if (i + 12 + length > b.length) return;
    if (type === 'IDAT') idat.push(b.subarray(i + 8, i + 8 + length));
    if (type === 'IEND') break;
    i += 12 + length;
  }
  try {
    inflateSync(Buffer.concat(idat), { maxOutputLength: Math.max(need, 1) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') return; // a damaged stream: pngjs says so
    throw new DataError(
      `cannot decode image: the interlaced PNG's image data inflates to more than the ${need} bytes its ${width}×${height} pixels need (a decompression bomb?)`,
      { file: name, cause: e },
    );
  }
}

export function decodePNG(buf: Uint8Array, name = 'image'): RGBImage {
  checkImageLimits(buf, name);
  checkInterlacedInflate(buf, name);
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
