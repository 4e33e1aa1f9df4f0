/**
 * Camera windows over a larger scene: crop a window, and zoom out by box-averaging a larger
 * window down to the view size (area resampling, so a zoomed-out view is a true photo of
 * the wider scene, not a re-rendering).
 */
import type { RGBImage } from './image.js';

/** The `w`×`h` window at (x0, y0); pixels outside the scene are clamped to its edge. */
export function crop(img: RGBImage, x0: number, y0: number, w: number, h: number): RGBImage {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(img.height - 1, Math.max(0, y0 + y));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(img.width - 1, Math.max(0, x0 + x));
      const s = (sy * img.width + sx) * 3;
      const d = (y * w + x) * 3;
      out[d] = img.data[s];
      out[d + 1] = img.data[s + 1];
      out[d + 2] = img.data[s + 2];
    }
  }
  return { width: w, height: h, data: out };
}

/** Shrink by an integer `factor` with box averaging. */
export function downsample(img: RGBImage, factor: number): RGBImage {
  const f = Math.max(1, Math.floor(factor));
  const w = Math.floor(img.width / f);
  const h = Math.floor(img.height / f);
  const out = new Uint8Array(w * h * 3);
  const n = f * f;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) {
        let a = 0;
        for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) a += img.data[((y * f + dy) * img.width + x * f + dx) * 3 + c];
        out[(y * w + x) * 3 + c] = Math.round(a / n);
      }
  return { width: w, height: h, data: out };
}

/** Enlarge by an integer `factor` (nearest neighbour), cropped or edge-padded to `width`×`height`. */
export function upsample(img: RGBImage, factor: number, width = img.width * factor, height = img.height * factor): RGBImage {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(img.height - 1, Math.floor(y / factor));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(img.width - 1, Math.floor(x / factor));
      const s = (sy * img.width + sx) * 3;
      const d = (y * width + x) * 3;
      out[d] = img.data[s];
      out[d + 1] = img.data[s + 1];
      out[d + 2] = img.data[s + 2];
    }
  }
  return { width, height, data: out };
}
