/**
 * Masks: each category's silhouette rasterised once on a canonical grid, then sampled at a
 * pose (centre, half-size, squash) into a small bounding-box mask in view pixels. Also the
 * outline of a mask (for sketches and object borders) and a signed distance field per
 * category (two-pass 3-4 chamfer transform, Borgefors 1986) for morphing shapes.
 */
import { CATEGORIES, CATEGORY_SHAPES } from './shapes.js';

/** Resolution of the canonical grid over [-1, 1]². */
export const CANON = 128;

/** Where an object sits in a view: centre (px), half-size (px) and per-axis squash (1 = unsquashed). */
export interface Pose {
  cx: number;
  cy: number;
  r: number;
  sx: number;
  sy: number;
}

/** A binary mask over a bounding box in view pixels; the box may extend beyond the frame. */
export interface BoxMask {
  x0: number;
  y0: number;
  w: number;
  h: number;
  /** length w*h, 1 = inside */
  data: Uint8Array;
}

let canonCache: Uint8Array[] | null = null;

/** Canonical masks, one per category (index = category id), CANON×CANON, computed once. */
export function canonicalMasks(): Uint8Array[] {
  if (canonCache) return canonCache;
  canonCache = CATEGORIES.map((name) => {
    const f = CATEGORY_SHAPES[name];
    const m = new Uint8Array(CANON * CANON);
    for (let j = 0; j < CANON; j++) {
      const v = ((j + 0.5) / CANON) * 2 - 1;
      for (let i = 0; i < CANON; i++) {
        const u = ((i + 0.5) / CANON) * 2 - 1;
        m[j * CANON + i] = f(u, v) ? 1 : 0;
      }
    }
    return m;
  });
  return canonCache;
}

/** Pixel bounding box of a pose (rounded outward). */
export function poseBox(p: Pose): { x0: number; y0: number; w: number; h: number } {
  const x0 = Math.floor(p.cx - p.r * p.sx);
  const y0 = Math.floor(p.cy - p.r * p.sy);
  const x1 = Math.ceil(p.cx + p.r * p.sx);
  const y1 = Math.ceil(p.cy + p.r * p.sy);
  return { x0, y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) };
}

/**
 * Sample a canonical grid (mask or any per-cell test) at a pose: `test(cellIndex)` decides
 * whether the pixel whose centre falls in that canonical cell is inside.
 */
export function rasterize(p: Pose, test: (cell: number, u: number, v: number) => boolean): BoxMask {
  const { x0, y0, w, h } = poseBox(p);
  const data = new Uint8Array(w * h);
  const kx = 1 / (p.r * Math.max(p.sx, 1e-3));
  const ky = 1 / (p.r * Math.max(p.sy, 1e-3));
  for (let y = 0; y < h; y++) {
    const v = (y0 + y + 0.5 - p.cy) * ky;
    if (v < -1 || v >= 1) continue;
    const cj = Math.floor(((v + 1) / 2) * CANON) * CANON;
    for (let x = 0; x < w; x++) {
      const u = (x0 + x + 0.5 - p.cx) * kx;
      if (u < -1 || u >= 1) continue;
      const ci = Math.floor(((u + 1) / 2) * CANON);
      if (test(cj + ci, u, v)) data[y * w + x] = 1;
    }
  }
  return { x0, y0, w, h, data };
}

/** The silhouette of category `cat` at pose `p`. */
export function categoryMask(cat: number, p: Pose): BoxMask {
  const m = canonicalMasks()[cat];
  return rasterize(p, (c) => m[c] === 1);
}

/** Value of a box mask at view pixel (x, y) (0 outside the box). */
export function maskAt(m: BoxMask, x: number, y: number): number {
  const lx = x - m.x0;
  const ly = y - m.y0;
  if (lx < 0 || ly < 0 || lx >= m.w || ly >= m.h) return 0;
  return m.data[ly * m.w + lx];
}

/**
 * The outline of a mask: inside pixels with a 4-neighbour outside, thickened inward to
 * `thickness` pixels. Returned in the same box.
 */
export function outlineOf(m: BoxMask, thickness = 1): BoxMask {
  const { w, h, data } = m;
  let cur = data;
  const out = new Uint8Array(w * h);
  for (let t = 0; t < thickness; t++) {
    const next = cur.slice();
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (!cur[i]) continue;
        const edge =
          x === 0 || y === 0 || x === w - 1 || y === h - 1 || !cur[i - 1] || !cur[i + 1] || !cur[i - w] || !cur[i + w];
        if (edge) {
          out[i] = 1;
          next[i] = 0;
        }
      }
    }
    cur = next;
  }
  return { x0: m.x0, y0: m.y0, w, h, data: out };
}

/** Count of set pixels. */
export function maskArea(m: BoxMask): number {
  let n = 0;
  for (let i = 0; i < m.data.length; i++) n += m.data[i];
  return n;
}

/** Intersection over union of two 0/1 masks of the same grid (0 when both are empty). */
export function maskIoU(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let uni = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i] & b[i];
    uni += a[i] | b[i];
  }
  return uni ? inter / uni : 0;
}

/** The inclusive bounding box of the set pixels of a `w`×`h` row-major mask; null when none is set. */
export function bbox(mask: ArrayLike<number>, w: number, h: number): { x0: number; y0: number; x1: number; y1: number } | null {
  let x0 = w;
  let x1 = -1;
  let y0 = h;
  let y1 = -1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (mask[y * w + x]) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

let sdfCache: Float32Array[] | null = null;

/**
 * Signed distance (canonical units, negative inside) per category on the canonical grid,
 * by a two-pass 3-4 chamfer transform of the inside and of the outside.
 */
export function canonicalSDFs(): Float32Array[] {
  if (sdfCache) return sdfCache;
  const N = CANON;
  const chamfer = (feature: Uint8Array): Float32Array => {
    const INF = 1e9;
    const d = new Float32Array(N * N);
    for (let i = 0; i < N * N; i++) d[i] = feature[i] ? 0 : INF;
    for (let y = 0; y < N; y++)
      for (let x = 0; x < N; x++) {
        const i = y * N + x;
        let v = d[i];
        if (x > 0) v = Math.min(v, d[i - 1] + 3);
        if (y > 0) {
          v = Math.min(v, d[i - N] + 3);
          if (x > 0) v = Math.min(v, d[i - N - 1] + 4);
          if (x < N - 1) v = Math.min(v, d[i - N + 1] + 4);
        }
        d[i] = v;
      }
    for (let y = N - 1; y >= 0; y--)
      for (let x = N - 1; x >= 0; x--) {
        const i = y * N + x;
        let v = d[i];
        if (x < N - 1) v = Math.min(v, d[i + 1] + 3);
        if (y < N - 1) {
          v = Math.min(v, d[i + N] + 3);
          if (x < N - 1) v = Math.min(v, d[i + N + 1] + 4);
          if (x > 0) v = Math.min(v, d[i + N - 1] + 4);
        }
        d[i] = v;
      }
    return d;
  };
  const unit = 2 / N / 3; // chamfer step 3 = one cell = 2/N canonical units
  sdfCache = canonicalMasks().map((m) => {
    const inv = new Uint8Array(m.length);
    for (let i = 0; i < m.length; i++) inv[i] = m[i] ? 0 : 1;
    const toInside = chamfer(m);
    const toOutside = chamfer(inv);
    const s = new Float32Array(m.length);
    for (let i = 0; i < m.length; i++) s[i] = m[i] ? -toOutside[i] * unit : toInside[i] * unit;
    return s;
  });
  return sdfCache;
}
