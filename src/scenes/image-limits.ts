/**
 * Limits on what an image file may declare, checked from its header before anything is decoded
 * or allocated: a 254-byte PNG can claim 30000×30000 pixels, and decoding it would allocate
 * gigabytes (and then treat the missing data as blank). `declaredImageSize` reads the width and
 * height a PNG (its IHDR chunk, ISO/IEC 15948 §11.2.2) or a JPEG (its SOFn marker, ITU T.81
 * §B.2.2) states; `checkImageLimits` refuses a file over the limits with a DataError naming it.
 *
 * The limits are process-wide (every decoder reads them): `setImageLimits` changes them (the
 * `serve` command's `--max-image-pixels`), and the environment variables
 * ASKFIRST_MAX_IMAGE_PIXELS and ASKFIRST_MAX_IMAGE_BYTES set them for any command.
 */
import { ConfigError, DataError } from '../util/errors.js';

export interface ImageLimits {
  /** Largest width × height an image may declare. */
  maxPixels: number;
  /** Largest image file (or request image) in bytes. */
  maxBytes: number;
}

/** 36 megapixels: beyond any camera image of the benchmarks (COCO, ImageNet, …), ~250 MB to decode at most. */
export const DEFAULT_MAX_IMAGE_PIXELS = 36_000_000;
/** 64 MB of compressed image. */
export const DEFAULT_MAX_IMAGE_BYTES = 64 * 1024 * 1024;

function envLimit(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError(`${name}=${JSON.stringify(v)} must be a positive integer`);
  return n;
}

let current: ImageLimits | null = null;

/** The limits in force (defaults, overridden by the environment, then by `setImageLimits`). */
export function imageLimits(): ImageLimits {
  current ??= {
    maxPixels: envLimit('ASKFIRST_MAX_IMAGE_PIXELS', DEFAULT_MAX_IMAGE_PIXELS),
    maxBytes: envLimit('ASKFIRST_MAX_IMAGE_BYTES', DEFAULT_MAX_IMAGE_BYTES),
  };
  return current;
}

/** Change the process-wide limits (fields left out keep their value). */
export function setImageLimits(l: Partial<ImageLimits>): void {
  for (const [k, v] of Object.entries(l)) if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) throw new ConfigError(`image limit ${k} must be a positive integer, got ${v}`);
  current = { ...imageLimits(), ...Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined)) };
}

export interface DeclaredSize {
  format: 'png' | 'jpeg';
  width: number;
  height: number;
}

const be32 = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
const be16 = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];

/**
 * Width and height declared by a PNG or JPEG header, or null when `buf` is neither. Throws a
 * DataError (naming `name`) when the header is cut short or malformed.
 */
export function declaredImageSize(buf: Uint8Array, name = 'image'): DeclaredSize | null {
  if (buf.length >= 4 && buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47) {
    // signature (8) · length (4) · "IHDR" · width (4) · height (4)
    if (buf.length < 24) throw new DataError(`cannot decode image: PNG of ${buf.length} bytes ends before its IHDR header (truncated?)`, { file: name });
    if (String.fromCharCode(buf[12], buf[13], buf[14], buf[15]) !== 'IHDR') throw new DataError('cannot decode image: PNG does not start with an IHDR chunk (corrupted?)', { file: name });
    return { format: 'png', width: be32(buf, 16), height: be32(buf, 20) };
  }
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xd8) {
    let i = 2;
    while (i + 3 < buf.length) {
      if (buf[i] !== 0xff) throw new DataError(`cannot decode image: JPEG marker expected at byte ${i} (corrupted?)`, { file: name });
      const m = buf[i + 1];
      if (m === 0xff) {
        i++; // fill byte
        continue;
      }
      if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
        i += 2; // markers without a length
        continue;
      }
      if (m === 0xd9 || m === 0xda) break; // end of image / start of scan before any frame header
      const len = be16(buf, i + 2);
      // SOF0…SOF15 but DHT (C4), JPG (C8) and DAC (CC): length · precision · height · width
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
        if (i + 9 > buf.length) break;
        return { format: 'jpeg', height: be16(buf, i + 5), width: be16(buf, i + 7) };
      }
      if (len < 2) throw new DataError(`cannot decode image: JPEG segment at byte ${i} has length ${len} (corrupted?)`, { file: name });
      i += 2 + len;
    }
    throw new DataError('cannot decode image: JPEG has no frame header before its image data (truncated or corrupted?)', { file: name });
  }
  return null;
}

/**
 * Refuse `buf` before decoding when it is larger than `limits.maxBytes` or declares more than
 * `limits.maxPixels` pixels (or a zero side). Cheap: reads at most the header.
 */
export function checkImageLimits(buf: Uint8Array, name = 'image', limits: ImageLimits = imageLimits()): DeclaredSize | null {
  if (buf.length > limits.maxBytes) {
    throw new DataError(`image of ${buf.length} bytes is over the limit of ${limits.maxBytes} (ASKFIRST_MAX_IMAGE_BYTES)`, { file: name });
  }
  const d = declaredImageSize(buf, name);
  if (!d) return null;
  if (d.width === 0 || d.height === 0) throw new DataError(`cannot decode image: ${d.format.toUpperCase()} declares ${d.width}×${d.height} pixels`, { file: name });
  if (d.width * d.height > limits.maxPixels) {
    throw new DataError(
      `image declares ${d.width}×${d.height} = ${d.width * d.height} pixels, over the limit of ${limits.maxPixels} (raise it with ASKFIRST_MAX_IMAGE_PIXELS or --max-image-pixels if the image is genuine)`,
      { file: name },
    );
  }
  return d;
}
