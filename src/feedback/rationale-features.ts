/**
 * Image descriptors for the rationale scorer: a few interpretable statistics that make scene
 * facts learnable from pixels — sharpness and high-frequency energy (blur vs noise), brightness
 * and contrast, the share of flat grey (an occluder), foreground touching the frame (a crop),
 * a 6-bin hue histogram of saturated pixels (colour), and the saturated region's fill ratio,
 * aspect and top-width profile (shape). Pure function of the pixels; values roughly in [0, 1].
 */
import type { RGBImage } from '../scenes/image.js';
import { bbox } from '../scenes/masks.js';

export const IMAGE_FEATURES = 20;

export function imageFeatures(img: RGBImage): Float32Array {
  const { width: w, height: h, data } = img;
  const n = w * h;
  const grey = new Float32Array(n);
  let sum = 0;
  let greyFlat = 0;
  let dark = 0;
  let white = 0;
  const hue = new Float32Array(6);
  let sat = 0;
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = data[3 * i];
    const g = data[3 * i + 1];
    const b = data[3 * i + 2];
    const mx = Math.max(r, g, b);
    const mn = Math.min(r, g, b);
    const v = (r + g + b) / 3;
    grey[i] = v;
    sum += v;
    if (mx - mn < 14 && v > 90 && v < 170) greyFlat++;
    if (v < 40) dark++;
    if (mn > 235) white++;
    if (mx - mn > 60) {
      sat++;
      mask[i] = 1;
      // Hue in [0, 6).
      const c = mx - mn;
      let hh = mx === r ? ((g - b) / c + 6) % 6 : mx === g ? (b - r) / c + 2 : (r - g) / c + 4;
      hh = Math.min(5.999, Math.max(0, hh));
      hue[Math.floor(hh)]++;
    }
  }
  const mean = sum / n;
  let varSum = 0;
  let grad = 0;
  let lap = 0;
  let equalNeighbours = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      varSum += (grey[i] - mean) ** 2;
      if (x + 1 < w) {
        const d = Math.abs(grey[i + 1] - grey[i]);
        grad += d;
        if (d < 0.5) equalNeighbours++;
      }
      if (y + 1 < h) grad += Math.abs(grey[i + w] - grey[i]);
      if (x > 0 && y > 0 && x + 1 < w && y + 1 < h) lap += Math.abs(4 * grey[i] - grey[i - 1] - grey[i + 1] - grey[i - w] - grey[i + w]);
    }
  }
  const gradMean = grad / (2 * n);
  const lapMean = lap / n;
  // Foreground on the frame's border (an object cut off by the crop).
  let border = 0;
  let borderFg = 0;
  for (let y = 0; y < h; y++) {
    for (const x of [0, w - 1]) {
      border++;
      borderFg += mask[y * w + x];
    }
  }
  // Shape of the saturated region.
  const box = bbox(mask, w, h);
  let fill = 0;
  let aspect = 0;
  let topWidth = 0;
  if (box) {
    const { x0, y0, x1, y1 } = box;
    const bw = x1 - x0 + 1;
    const bh = y1 - y0 + 1;
    fill = sat / (bw * bh);
    aspect = bw / (bw + bh);
    const row = (y: number) => {
      let c = 0;
      for (let x = x0; x <= x1; x++) c += mask[y * w + x];
      return c / bw;
    };
    topWidth = row(Math.min(y1, y0 + Math.floor(bh * 0.15)));
  }
  const f = new Float32Array(IMAGE_FEATURES);
  f.set([
    mean / 255,
    Math.sqrt(varSum / n) / 128,
    Math.min(1, gradMean / 40),
    Math.min(1, lapMean / 120),
    lapMean / (gradMean * 4 + 1),
    greyFlat / n,
    dark / n,
    white / n,
    sat / n,
    borderFg / border,
    equalNeighbours / n,
    fill,
    aspect,
    topWidth,
  ]);
  for (let k = 0; k < 6; k++) f[14 + k] = sat ? hue[k] / sat : 0;
  return f;
}
