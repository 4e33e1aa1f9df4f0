/**
 * Geometric augmentation for the supervised stage: the clearest view, shrunk (down to about
 * half size, as the camera's wide view shows it) and shifted (partly out of frame, as a camera
 * window shows it), over a background of the image's own border colour. Teaches the guesser to
 * recognise objects wherever and however large they appear — from the same labelled images.
 */
import type { Rng } from '../../nn/index.js';
import type { RGBImage } from '../../scenes/image.js';

/** Mean colour of the outermost ring of pixels. */
function borderColour(img: RGBImage): [number, number, number] {
  const { width: W, height: H, data } = img;
  const c = [0, 0, 0];
  let n = 0;
  for (let x = 0; x < W; x++)
    for (const y of [0, H - 1]) {
      const i = (y * W + x) * 3;
      c[0] += data[i];
      c[1] += data[i + 1];
      c[2] += data[i + 2];
      n++;
    }
  return [c[0] / n, c[1] / n, c[2] / n];
}

export interface AugmentOptions {
  /** Smallest scale (1 = unchanged). */
  minScale: number;
  /** Largest shift as a fraction of the side. */
  maxShift: number;
}

/** A randomly scaled and shifted copy (bilinear sampling; outside the source: the border colour). */
export function augment(img: RGBImage, rng: Rng, o: AugmentOptions = { minScale: 0.45, maxShift: 0.3 }): RGBImage {
  const { width: W, height: H, data } = img;
  const s = o.minScale + (1 - o.minScale) * rng.next();
  const dx = (rng.next() * 2 - 1) * o.maxShift * W;
  const dy = (rng.next() * 2 - 1) * o.maxShift * H;
  const bg = borderColour(img);
  const out = new Uint8Array(W * H * 3);
  const cx = W / 2;
  const cy = H / 2;
  for (let y = 0; y < H; y++) {
    const sy = (y - cy - dy) / s + cy - 0.5;
    for (let x = 0; x < W; x++) {
      const sx = (x - cx - dx) / s + cx - 0.5;
      const o3 = (y * W + x) * 3;
      if (sx < 0 || sy < 0 || sx > W - 1 || sy > H - 1) {
        out[o3] = bg[0];
        out[o3 + 1] = bg[1];
        out[o3 + 2] = bg[2];
        continue;
      }
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(W - 1, x0 + 1);
      const y1 = Math.min(H - 1, y0 + 1);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < 3; c++) {
        const a = data[(y0 * W + x0) * 3 + c];
        const b = data[(y0 * W + x1) * 3 + c];
        const d = data[(y1 * W + x0) * 3 + c];
        const e = data[(y1 * W + x1) * 3 + c];
        out[o3 + c] = (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy;
      }
    }
  }
  return { width: W, height: H, data: out };
}
