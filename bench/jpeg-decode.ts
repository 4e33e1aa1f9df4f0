/**
 * JPEG decoding speed (issue 20): libjpeg-turbo in WebAssembly (codec.ts `decodeJPEG`, PIL's
 * pixels) against jpeg-js (`decodeJPEGjs`, which the synthetic suite's JPEG corruption keeps),
 * on a 640×480 picture (a COCO-sized view) and a 64×64 one (a synthetic view). Prints one JSON
 * object: milliseconds per decode, median of --n runs after a warm-up.
 *
 *   npx tsx bench/jpeg-decode.ts [--n 30]   (--help: the options)
 */
import { decodeJPEG, decodeJPEGjs, encodeJPEG } from '../src/scenes/codec.js';
import { createImage, type RGBImage } from '../src/scenes/image.js';
import { benchArgs } from './args.js';

const { n } = benchArgs(
  import.meta.url,
  `JPEG decoding: libjpeg-turbo in WebAssembly (codec.ts decodeJPEG) against jpeg-js (decodeJPEGjs) on a 640×480 and a
64×64 picture. Prints one JSON object: milliseconds per decode, the median of --n runs after a warm-up
({ runs, libjpegTurbo_640x480_ms, jpegJs_640x480_ms, libjpegTurbo_64x64_ms, jpegJs_64x64_ms }).`,
  { n: { type: 'number', default: 30, min: 1, help: 'timed decodes of each' } },
);

function picture(w: number, h: number): RGBImage {
  const img = createImage(w, h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      img.data[i] = (x * 255) / w;
      img.data[i + 1] = (y * 255) / h;
      img.data[i + 2] = ((x >> 3) + (y >> 3)) % 2 ? 220 : 40;
    }
  return img;
}

function medianMs(f: () => unknown): number {
  f();
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return +t[t.length >> 1].toFixed(3);
}

const out: Record<string, number> = { runs: n };
for (const [name, w, h] of [['640x480', 640, 480], ['64x64', 64, 64]] as const) {
  const bytes = encodeJPEG(picture(w, h), 90);
  out[`libjpegTurbo_${name}_ms`] = medianMs(() => decodeJPEG(bytes));
  out[`jpegJs_${name}_ms`] = medianMs(() => decodeJPEGjs(bytes));
}
console.log(JSON.stringify(out));
