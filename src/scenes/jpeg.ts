/**
 * A faster JPEG round-trip with jpeg-js, codec.ts's encoder (pure JavaScript, so the bytes are
 * identical on every machine); it decodes with jpeg-js too (codec.ts `decodeJPEGjs`). jpeg-js builds its Huffman and colour tables anew
 * for every `encode` call — about 20 ms, far more than encoding a 64×64 image — and does not
 * export its encoder class; here that class is instantiated once and reused (its `encode`
 * resets all per-image state). A test checks the output is byte-identical to codec.ts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { decodeJPEGjs, encodeJPEG } from './codec.js';
import { toRGBA, type RGBImage } from './image.js';

type Encoder = { encode(img: { width: number; height: number; data: Uint8Array }, quality: number): Uint8Array };

let encoder: Encoder | null | undefined;

function cachedEncoder(): Encoder | null {
  if (encoder !== undefined) return encoder;
  try {
    const require = createRequire(import.meta.url);
    const src = readFileSync(require.resolve('jpeg-js/lib/encoder.js'), 'utf8');
    // evaluate the module with a private `module`, and hand back the constructor it defines
    const make = new Function('module', 'Buffer', `${src}\n;return JPEGEncoder;`) as (m: object, b: typeof Buffer) => new (q: number) => Encoder;
    const Ctor = make({ exports: {} }, Buffer);
    encoder = new Ctor(50);
  } catch {
    encoder = null; // fall back to codec.ts
  }
  return encoder;
}

/** Encode as baseline JPEG (same bytes as codec.ts `encodeJPEG`), reusing one encoder. */
export function encodeJPEGFast(img: RGBImage, quality: number): Uint8Array {
  const enc = cachedEncoder();
  if (!enc) return encodeJPEG(img, quality);
  return enc.encode({ width: img.width, height: img.height, data: toRGBA(img) }, quality);
}

/**
 * Encode at `quality` and decode again, both with jpeg-js (not libjpeg-turbo as codec.ts's
 * `decodeJPEG`): the synthetic suite's corruption was built on this round trip and keeps its
 * exact pixels (see `decodeJPEGjs`).
 */
export function jpegRoundTripFast(img: RGBImage, quality: number): RGBImage {
  return decodeJPEGjs(encodeJPEGFast(img, quality));
}
