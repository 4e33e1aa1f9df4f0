/**
 * Geometric augmentation for the supervised stage: the clearest view, shrunk (down to about
 * half size, as the camera's wide view shows it) and shifted (partly out of frame, as a camera
 * window shows it), over a background of the image's own border colour. Teaches the guesser to
 * recognise objects wherever and however large they appear — from the same labelled images.
 */
import type { Rng } from '../../util/rng.js';
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

/**
 * Random erasing (Zhong et al. 2020, "Random Erasing Data Augmentation") that reports how much
 * of the object it hid: a block of random size and place is painted over with a random solid
 * colour. (Not with the background colour: an object cut by the frame edge often still shows
 * enough, and the camera kind's control views look just like that.)
 * Object pixels are estimated without labels as those far (> 40 of 441) in colour from the
 * border colour. Returns the erased image and the share of object pixels hidden, so the
 * trainer can soften the target: a model should not be sure of what it cannot see.
 */
export function erase(img: RGBImage, rng: Rng): { image: RGBImage; hidden: number } {
  const { width: W, height: H, data } = img;
  const bg = borderColour(img);
  const bw = Math.round(W * (0.3 + 0.45 * rng.next()));
  const bh = Math.round(H * (0.3 + 0.45 * rng.next()));
  const x0 = Math.floor(rng.next() * (W - bw + 1));
  const y0 = Math.floor(rng.next() * (H - bh + 1));
  const fill = [rng.int(256), rng.int(256), rng.int(256)];
  const out = Uint8Array.from(data);
  let obj = 0;
  let hid = 0;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      const d = Math.hypot(data[i] - bg[0], data[i + 1] - bg[1], data[i + 2] - bg[2]);
      const inBlock = x >= x0 && x < x0 + bw && y >= y0 && y < y0 + bh;
      if (d > 40) {
        obj++;
        if (inBlock) hid++;
      }
      if (inBlock) {
        out[i] = fill[0];
        out[i + 1] = fill[1];
        out[i + 2] = fill[2];
      }
    }
  return { image: { width: W, height: H, data: out }, hidden: obj ? hid / obj : 0 };
}
