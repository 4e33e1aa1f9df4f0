/**
 * Real pixel corruptions, after the ImageNet-C families (Hendrycks & Dietterich, ICLR 2019):
 * gaussian blur, gaussian noise, pixelation, JPEG round-trip, brightness, contrast and
 * saturation loss — each parameterised by a severity `level` in [0, 1] (0 = untouched,
 * 1 = destroyed) scaled to the image size — and the matching enhancement that undoes it, or
 * largely undoes it (sharpening, denoising, smooth upsampling, deblocking, exposure,
 * contrast stretch, saturation boost).
 */
import { downsample, upsample } from './camera.js';
import { cloneImage, type RGBImage } from './image.js';
import { jpegRoundTripFast } from './jpeg.js';
import { SceneRng } from '../util/rng.js';

export const CORRUPTIONS = ['blur', 'noise', 'pixelate', 'jpeg', 'brightness', 'contrast', 'saturation'] as const;
export type Corruption = (typeof CORRUPTIONS)[number];

const c255 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/**
 * Gaussian blur with standard deviation `sigma` px, approximated by three successive box
 * blurs of matched variance (Wells, "Efficient synthesis of Gaussian filters by cascaded
 * uniform filters", 1986); O(1) per pixel whatever sigma, edges clamped.
 */
export function gaussianBlur(img: RGBImage, sigma: number): RGBImage {
  if (sigma < 0.25) return cloneImage(img);
  const { width: W, height: H } = img;
  // box widths whose three-fold cascade has variance sigma² (Kovesi's recipe)
  const n = 3;
  let wl = Math.floor(Math.sqrt((12 * sigma * sigma) / n + 1));
  if (wl % 2 === 0) wl--;
  const wu = wl + 2;
  const m = Math.round((12 * sigma * sigma - n * wl * wl - 4 * n * wl - 3 * n) / (-4 * wl - 4));
  const radii = [0, 1, 2].map((i) => ((i < m ? wl : wu) - 1) / 2);
  const a = Float32Array.from(img.data);
  const b = new Float32Array(a.length);
  for (const r of radii) {
    if (r < 1) continue;
    boxPass(a, b, W, H, r, true);
    boxPass(b, a, W, H, r, false);
  }
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = c255(a[i]);
  return { width: W, height: H, data: out };
}

/** One running-sum box filter of radius r along rows (horizontal) or columns, edges clamped. */
function boxPass(src: Float32Array, dst: Float32Array, W: number, H: number, r: number, horizontal: boolean): void {
  const len = horizontal ? W : H;
  const lines = horizontal ? H : W;
  const step = horizontal ? 3 : W * 3;
  const norm = 1 / (2 * r + 1);
  for (let line = 0; line < lines; line++) {
    const base = horizontal ? line * W * 3 : line * 3;
    const last = base + (len - 1) * step;
    for (let c = 0; c < 3; c++) {
      const first = base + c;
      const end = last + c;
      let acc = 0;
      for (let k = -r; k <= r; k++) acc += src[k < 0 ? first : k >= len ? end : first + k * step];
      for (let k = 0; k < len; k++) {
        dst[first + k * step] = acc * norm;
        const ka = k + r + 1;
        const kr = k - r;
        acc += src[ka >= len ? end : first + ka * step] - src[kr < 0 ? first : first + kr * step];
      }
    }
  }
}

/** Add i.i.d. gaussian noise of standard deviation `sigma` (0–255 scale), clipped. */
export function gaussianNoise(img: RGBImage, sigma: number, seed: number): RGBImage {
  const rng = new SceneRng(seed);
  const out = cloneImage(img);
  for (let i = 0; i < out.data.length; i++) out.data[i] = c255(out.data[i] + sigma * rng.gauss());
  return out;
}

/** Average over `block`×`block` cells (nearest-neighbour upsampled back). */
export function pixelate(img: RGBImage, block: number): RGBImage {
  const b = Math.max(1, Math.round(block));
  if (b === 1) return cloneImage(img);
  const { width: W, height: H } = img;
  const out = new Uint8Array(W * H * 3);
  for (let by = 0; by < H; by += b)
    for (let bx = 0; bx < W; bx += b) {
      const y1 = Math.min(H, by + b);
      const x1 = Math.min(W, bx + b);
      const acc = [0, 0, 0];
      for (let y = by; y < y1; y++) for (let x = bx; x < x1; x++) for (let c = 0; c < 3; c++) acc[c] += img.data[(y * W + x) * 3 + c];
      const n = (y1 - by) * (x1 - bx);
      for (let y = by; y < y1; y++)
        for (let x = bx; x < x1; x++) for (let c = 0; c < 3; c++) out[(y * W + x) * 3 + c] = Math.round(acc[c] / n);
    }
  return { width: W, height: H, data: out };
}

/** Encode as JPEG at `quality` and decode again (a real codec round-trip: jpeg-js via codec.ts's library). */
export function jpegRoundTrip(img: RGBImage, quality: number): RGBImage {
  return jpegRoundTripFast(img, Math.max(1, Math.min(100, Math.round(quality))));
}

/** Multiply intensities by `factor` (< 1 darkens: an under-exposed photo). */
export function scaleBrightness(img: RGBImage, factor: number): RGBImage {
  const out = cloneImage(img);
  for (let i = 0; i < out.data.length; i++) out.data[i] = c255(out.data[i] * factor);
  return out;
}

/** Pull every pixel toward the image's mean grey by `factor` (< 1 lowers contrast). */
export function scaleContrast(img: RGBImage, factor: number): RGBImage {
  let m = 0;
  for (let i = 0; i < img.data.length; i++) m += img.data[i];
  m /= img.data.length;
  const out = cloneImage(img);
  for (let i = 0; i < out.data.length; i++) out.data[i] = c255(m + (out.data[i] - m) * factor);
  return out;
}

/** Scale chroma around each pixel's luma by `factor` (0 = greyscale, > 1 boosts colour). */
export function scaleSaturation(img: RGBImage, factor: number): RGBImage {
  const out = cloneImage(img);
  const d = out.data;
  for (let i = 0; i < d.length; i += 3) {
    const L = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
    d[i] = c255(L + (d[i] - L) * factor);
    d[i + 1] = c255(L + (d[i + 1] - L) * factor);
    d[i + 2] = c255(L + (d[i + 2] - L) * factor);
  }
  return out;
}

/** Apply corruption `type` at severity `level` ∈ [0, 1]; parameters scale with the image size. */
export function corrupt(img: RGBImage, type: Corruption, level: number, seed = 1): RGBImage {
  const S = Math.min(img.width, img.height);
  const l = Math.max(0, Math.min(1, level));
  if (l === 0) return cloneImage(img);
  switch (type) {
    case 'blur':
      return gaussianBlur(img, l * 0.13 * S);
    case 'noise':
      return gaussianNoise(img, l * 150, seed);
    case 'pixelate':
      return pixelate(img, 1 + Math.floor(l * 0.3 * S));
    case 'jpeg':
      // at high severity the codec sees a half-size copy, as a re-shared thumbnail would
      if (l >= 0.85) return upsample(jpegRoundTrip(downsample(img, 3), 1), 3, img.width, img.height);
      if (l > 0.6) return upsample(jpegRoundTrip(downsample(img, 2), 1 + (0.85 - l) * 40), 2, img.width, img.height);
      return jpegRoundTrip(img, 4 + (1 - l) ** 2 * 90);
    case 'brightness':
      return scaleBrightness(img, Math.exp(-4.2 * l));
    case 'contrast':
      return scaleContrast(img, Math.exp(-3.6 * l));
    case 'saturation':
      return scaleSaturation(img, 1 - l);
  }
}

/** 3×3 median per channel (removes salt-and-pepper-like outliers, keeps edges). */
function median3(img: RGBImage): RGBImage {
  const { width: W, height: H } = img;
  const out = new Uint8Array(W * H * 3);
  const win = new Uint8Array(9);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < 3; c++) {
        let n = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const yy = Math.min(H - 1, Math.max(0, y + dy));
            const xx = Math.min(W - 1, Math.max(0, x + dx));
            win[n++] = img.data[(yy * W + xx) * 3 + c];
          }
        win.sort();
        out[(y * W + x) * 3 + c] = win[4];
      }
  return { width: W, height: H, data: out };
}

/** Mean of each pixel's 3×3 neighbours whose colour is within `tol` of it (a crude bilateral filter). */
function edgePreservingSmooth(img: RGBImage, tol: number): RGBImage {
  const { width: W, height: H, data } = img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const p = (y * W + x) * 3;
      let r = 0, g = 0, b = 0, n = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy, xx = x + dx;
          if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
          const q = (yy * W + xx) * 3;
          if (Math.abs(data[q] - data[p]) + Math.abs(data[q + 1] - data[p + 1]) + Math.abs(data[q + 2] - data[p + 2]) > tol) continue;
          r += data[q];
          g += data[q + 1];
          b += data[q + 2];
          n++;
        }
      out[p] = Math.round(r / n);
      out[p + 1] = Math.round(g / n);
      out[p + 2] = Math.round(b / n);
    }
  return { width: W, height: H, data: out };
}

/** Percentile of all channel values. */
function percentile(img: RGBImage, p: number): number {
  const hist = new Uint32Array(256);
  for (let i = 0; i < img.data.length; i++) hist[img.data[i]]++;
  const target = p * img.data.length;
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v];
    if (acc >= target) return v;
  }
  return 255;
}

/**
 * The enhancement that undoes corruption `type`: a real image operation a photo editor would
 * offer. `strength` is how hard to push (1 = default).
 */
export function enhance(img: RGBImage, type: Corruption, strength = 1): RGBImage {
  const S = Math.min(img.width, img.height);
  switch (type) {
    case 'blur': {
      // unsharp mask: x + a·(x − blur(x))
      const b = gaussianBlur(img, Math.max(0.6, 0.02 * S));
      const out = cloneImage(img);
      const a = 1.5 * strength;
      for (let i = 0; i < out.data.length; i++) out.data[i] = c255(img.data[i] + a * (img.data[i] - b.data[i]));
      return out;
    }
    case 'noise':
      return gaussianBlur(median3(img), 0.6 * strength);
    case 'pixelate':
      // smooth the block structure away
      return gaussianBlur(img, Math.max(0.7, 0.018 * S) * strength);
    case 'jpeg':
      // deblocking: average each pixel with the neighbours that differ only by codec noise
      return edgePreservingSmooth(img, 28 * strength);
    case 'brightness': {
      const hi = Math.max(1, percentile(img, 0.99));
      return scaleBrightness(img, Math.min(30, 255 / hi) ** strength);
    }
    case 'contrast': {
      const lo = percentile(img, 0.01);
      const hi = Math.max(lo + 1, percentile(img, 0.99));
      const out = cloneImage(img);
      for (let i = 0; i < out.data.length; i++) out.data[i] = c255(((img.data[i] - lo) / (hi - lo)) * 255);
      return out;
    }
    case 'saturation':
      return scaleSaturation(img, 1 + 0.7 * strength);
  }
}
