/**
 * Drawing on flat RGB buffers (no canvas): light, mildly textured backgrounds; objects as a
 * flat fill with a darker border; wooden occluding blocks; a walking passer-by; ink lines.
 * Everything is integer-pixel and allocation-light so thousands of views render per second.
 */
import { createImage, type RGBImage } from './image.js';
import type { BoxMask } from './masks.js';
import type { SceneRng } from '../util/rng.js';

export type RGB = [number, number, number];

export function hsv(h: number, s: number, v: number): RGB {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const m = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ][((i % 6) + 6) % 6];
  return [Math.round(m[0] * 255), Math.round(m[1] * 255), Math.round(m[2] * 255)];
}

export const luma = (c: RGB) => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
export const colorDist = (a: RGB, b: RGB) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** A light background colour (pale tint). `light=false` gives a mid-light tone (for isoluminant scenes). */
export function backgroundColor(rng: SceneRng, light = true): RGB {
  return light ? hsv(rng.next(), rng.range(0.03, 0.14), rng.range(0.86, 0.96)) : hsv(rng.next(), rng.range(0.02, 0.08), rng.range(0.6, 0.7));
}

/** A saturated object colour between `minDist` and `maxDist` away from `bg` (colour is not tied to category). */
export function objectColor(rng: SceneRng, bg: RGB, minDist = 110, maxDist = Infinity): RGB {
  for (let k = 0; k < 200; k++) {
    const c = hsv(rng.next(), rng.range(0.5, 1), rng.range(0.3, 0.85));
    const d = colorDist(c, bg);
    if (d >= minDist && d <= maxDist) return c;
  }
  return [40, 40, 160];
}

/** A random hue blended toward `bg` until it is `dist` away from it: visible, but easy to drown in noise. */
export function mutedColor(rng: SceneRng, bg: RGB, dist: number): RGB {
  for (let k = 0; k < 50; k++) {
    const c = hsv(rng.next(), rng.range(0.6, 1), rng.range(0.2, 0.7));
    const d = colorDist(c, bg);
    if (d < dist) continue;
    const t = dist / d;
    return [0, 1, 2].map((i) => Math.round(bg[i] + t * (c[i] - bg[i]))) as RGB;
  }
  return [0, 1, 2].map((i) => Math.round(bg[i] - dist / Math.sqrt(3))) as RGB;
}

/**
 * A colour with the same luma as `bg` but strong chroma: it disappears when the image is
 * desaturated (used by the saturation corruption).
 */
export function isoluminantColor(rng: SceneRng, bg: RGB, minDist = 90): RGB {
  const L = luma(bg);
  let best: RGB = [Math.min(255, L + 60), Math.max(0, L - 40), L];
  let bestD = 0;
  for (let k = 0; k < 60; k++) {
    // a random direction orthogonal to the luma weights
    const a = [rng.gauss(), rng.gauss(), rng.gauss()];
    const w = [0.299, 0.587, 0.114];
    const ww = w[0] * w[0] + w[1] * w[1] + w[2] * w[2];
    const dot = (a[0] * w[0] + a[1] * w[1] + a[2] * w[2]) / ww;
    const d = [a[0] - dot * w[0], a[1] - dot * w[1], a[2] - dot * w[2]];
    let kmax = Infinity;
    for (let c = 0; c < 3; c++) {
      if (d[c] > 1e-9) kmax = Math.min(kmax, (255 - L) / d[c]);
      else if (d[c] < -1e-9) kmax = Math.min(kmax, L / -d[c]);
    }
    const col: RGB = [0, 1, 2].map((c) => Math.round(L + 0.97 * kmax * d[c])) as RGB;
    const dist = colorDist(col, [L, L, L]);
    if (dist > bestD) {
      best = col;
      bestD = dist;
    }
    if (dist >= minDist) break;
  }
  return best;
}

/** Fine grain shared by every background (uniform in [-1, 1]), sampled at a random offset per scene. */
const GRAIN_SIZE = 256;
let grain: Float32Array | null = null;
function grainTable(): Float32Array {
  if (grain) return grain;
  grain = new Float32Array(GRAIN_SIZE * GRAIN_SIZE);
  let s = 0x2545f491;
  for (let i = 0; i < grain.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    grain[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return grain;
}

/** A light background: base colour, a gentle gradient and low-amplitude smooth noise plus fine grain. */
export function drawBackground(rng: SceneRng, width: number, height: number, base: RGB, texture = 1): RGBImage {
  const img = createImage(width, height);
  const G = 6; // coarse noise grid
  const grid = new Float32Array((G + 1) * (G + 1));
  for (let i = 0; i < grid.length; i++) grid[i] = rng.range(-7, 7) * texture;
  const gx = rng.range(-8, 8) * texture;
  const gy = rng.range(-10, 10) * texture;
  const table = grainTable();
  const ox = rng.int(0, GRAIN_SIZE - 1);
  const oy = rng.int(0, GRAIN_SIZE - 1);
  const d = img.data;
  for (let y = 0; y < height; y++) {
    const fy = (y / height) * G;
    const j = Math.min(G - 1, Math.floor(fy));
    const ty = fy - j;
    const row = ((y + oy) & (GRAIN_SIZE - 1)) * GRAIN_SIZE;
    for (let x = 0; x < width; x++) {
      const fx = (x / width) * G;
      const i = Math.min(G - 1, Math.floor(fx));
      const tx = fx - i;
      const n =
        (1 - ty) * ((1 - tx) * grid[j * (G + 1) + i] + tx * grid[j * (G + 1) + i + 1]) +
        ty * ((1 - tx) * grid[(j + 1) * (G + 1) + i] + tx * grid[(j + 1) * (G + 1) + i + 1]);
      const off = n + gx * (x / width - 0.5) + gy * (y / height - 0.5) + table[row + ((x + ox) & (GRAIN_SIZE - 1))] * 2 * texture;
      const o = (y * width + x) * 3;
      d[o] = clamp255(base[0] + off);
      d[o + 1] = clamp255(base[1] + off);
      d[o + 2] = clamp255(base[2] + off);
    }
  }
  return img;
}

export function clamp255(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** Paint the set pixels of `m` (clipped to the frame); pixels on the mask's border get `border`. */
export function fillMask(img: RGBImage, m: BoxMask, color: RGB, border?: RGB): void {
  const { width, height, data } = img;
  for (let y = 0; y < m.h; y++) {
    const py = m.y0 + y;
    if (py < 0 || py >= height) continue;
    for (let x = 0; x < m.w; x++) {
      const i = y * m.w + x;
      if (!m.data[i]) continue;
      const px = m.x0 + x;
      if (px < 0 || px >= width) continue;
      let c = color;
      if (border) {
        const edge = x === 0 || y === 0 || x === m.w - 1 || y === m.h - 1 || !m.data[i - 1] || !m.data[i + 1] || !m.data[i - m.w] || !m.data[i + m.w];
        if (edge) c = border;
      }
      const o = (py * width + px) * 3;
      data[o] = c[0];
      data[o + 1] = c[1];
      data[o + 2] = c[2];
    }
  }
}

export const darker = (c: RGB, f = 0.55): RGB => [Math.round(c[0] * f), Math.round(c[1] * f), Math.round(c[2] * f)];

/** Fill an axis-aligned rectangle [x0,x1)×[y0,y1) clipped to the frame; `cover` (if given) marks covered pixels. */
export function fillRect(img: RGBImage, x0: number, y0: number, x1: number, y1: number, c: RGB, cover?: Uint8Array): void {
  const X0 = Math.max(0, Math.round(x0));
  const Y0 = Math.max(0, Math.round(y0));
  const X1 = Math.min(img.width, Math.round(x1));
  const Y1 = Math.min(img.height, Math.round(y1));
  for (let y = Y0; y < Y1; y++)
    for (let x = X0; x < X1; x++) {
      const o = (y * img.width + x) * 3;
      img.data[o] = c[0];
      img.data[o + 1] = c[1];
      img.data[o + 2] = c[2];
      if (cover) cover[y * img.width + x] = 1;
    }
}

export interface Block {
  /** left, top, right, bottom in view pixels */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  color: RGB;
}

/** A wooden block: grain stripes, a darker rim and a seam, so it reads as a solid object in front; marks covered pixels. */
export function drawBlock(img: RGBImage, b: Block, cover?: Uint8Array): void {
  const X0 = Math.max(0, Math.round(b.x0));
  const Y0 = Math.max(0, Math.round(b.y0));
  const X1 = Math.min(img.width, Math.round(b.x1));
  const Y1 = Math.min(img.height, Math.round(b.y1));
  const rim = darker(b.color, 0.6);
  const seam = Math.round((b.y0 + b.y1) / 2);
  const bx0 = Math.round(b.x0);
  const bx1 = Math.round(b.x1) - 1;
  const by0 = Math.round(b.y0);
  for (let y = Y0; y < Y1; y++) {
    const grain = 0.92 + 0.08 * Math.sin(y * 1.7 + b.x0 * 0.01);
    for (let x = X0; x < X1; x++) {
      const o = (y * img.width + x) * 3;
      const edge = x === bx0 || x === bx1 || y === by0 || y === seam;
      const c = edge ? rim : b.color;
      const g = edge ? 1 : grain;
      img.data[o] = clamp255(c[0] * g);
      img.data[o + 1] = clamp255(c[1] * g);
      img.data[o + 2] = clamp255(c[2] * g);
      if (cover) cover[y * img.width + x] = 1;
    }
  }
}

export interface Figure {
  /** centre x of the torso (px) */
  cx: number;
  /** torso width (px) */
  torsoW: number;
  /** top of the head (px) */
  top: number;
  /** walking phase (legs swing) */
  phase: number;
  cloth: RGB;
  skin: RGB;
  pants: RGB;
}

/** A passer-by close to the camera: head, torso with arms, legs; marks covered pixels (when `cover` is given). */
export function drawFigure(img: RGBImage, f: Figure, cover?: Uint8Array): void {
  const { width, height } = img;
  const headR = f.torsoW * 0.3;
  const headCy = f.top + headR;
  const torsoTop = headCy + headR * 0.9;
  const torsoBot = torsoTop + f.torsoW * 1.35;
  const legW = f.torsoW * 0.32;
  const swing = Math.sin(f.phase) * f.torsoW * 0.25;
  const armW = f.torsoW * 0.16;
  const xa = Math.max(0, Math.floor(f.cx - f.torsoW / 2 - armW - 2));
  const xb = Math.min(width, Math.ceil(f.cx + f.torsoW / 2 + armW + 2));
  const ya = Math.max(0, Math.floor(f.top));
  for (let y = ya; y < height; y++) {
    for (let x = xa; x < xb; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let c: RGB | null = null;
      const dx = px - f.cx;
      if (dx * dx + (py - headCy) ** 2 <= headR * headR) c = f.skin;
      else if (py >= torsoTop && py <= torsoBot) {
        const half = f.torsoW / 2 - (py < torsoTop + 3 ? 1.5 : 0);
        if (Math.abs(dx) <= half) c = Math.abs(dx) > half - 1.2 ? darker(f.cloth, 0.7) : f.cloth;
        else if (Math.abs(dx) <= half + armW && py <= torsoBot - f.torsoW * 0.1) c = darker(f.cloth, 0.85);
      } else if (py > torsoBot) {
        const l = f.cx - f.torsoW * 0.22 + swing * ((py - torsoBot) / f.torsoW);
        const r = f.cx + f.torsoW * 0.22 - swing * ((py - torsoBot) / f.torsoW);
        if (Math.abs(px - l) <= legW / 2 || Math.abs(px - r) <= legW / 2) c = f.pants;
      }
      if (c) {
        const o = (y * width + x) * 3;
        img.data[o] = c[0];
        img.data[o + 1] = c[1];
        img.data[o + 2] = c[2];
        if (cover) cover[y * width + x] = 1;
      }
    }
  }
}
