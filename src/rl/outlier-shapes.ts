/**
 * Outlier exposure (Hendrycks, Mazeika & Dietterich 2019, "Deep Anomaly Detection with Outlier
 * Exposure"): images of objects that are none of the categories, trained toward a uniform target,
 * so the classifier learns "an object I cannot name → I cannot tell" instead of naming the
 * nearest category with confidence. The ask gate reads that confidence, so a calibrated "cannot
 * tell" on shapes it has no name for is what lets it ask on kinds of missing information RL never
 * trains on.
 *
 * What it sees (disclosed, issue 18): random shapes drawn here, never an episode of any kind —
 * star-shaped outlines r(θ) = 1 + Σ_k a_k sin(kθ + φ_k) (k = 2…6, a few random harmonics, a
 * classic family of random shape stimuli) and random polygons (5–9 vertices at random radii),
 * each stretched along one axis by a random factor (down to a tenth: thin shapes), rotated, and
 * painted with the suite's own generic drawing helpers (scenes/draw.ts: background, object
 * colour, darker border) at the suite's object sizes. A shape that overlaps a category's
 * silhouette too much (intersection over union ≥ `CATEGORY_IOU_MAX`, both fitted to their bounding box) is
 * rejected: it would be a category, not an outlier. No wording, option text or ask-or-answer
 * protocol is involved.
 */
import { backgroundColor, darker, drawBackground, fillMask, objectColor } from '../scenes/draw.js';
import type { RGBImage } from '../scenes/image.js';
import { CANON, canonicalMasks, maskIoU, rasterize } from '../scenes/masks.js';
import { SceneRng } from '../util/rng.js';

/** A shape this close to a category's silhouette (IoU, both fitted to their bounding box with the aspect kept) is not an outlier. */
export const CATEGORY_IOU_MAX = 0.8;

/** Resolution of the coarse grid on which shapes are compared with categories. */
const G = 32;

/** A shape as an inside test on [-1, 1]² (canonical coordinates, like the category silhouettes). */
type Shape = (u: number, v: number) => boolean;

/** A random star-shaped outline or polygon, stretched along a random axis and rotated. */
export function randomShape(rng: SceneRng): Shape {
  const rot = rng.range(0, Math.PI);
  const stretch = rng.bool(0.3) ? rng.range(0.1, 0.5) : rng.range(0.5, 1);
  const cr = Math.cos(rot);
  const sr = Math.sin(rot);
  let radius: (th: number) => number;
  if (rng.bool(0.5)) {
    const ks = [2, 3, 4, 5, 6].filter(() => rng.bool(0.5));
    if (!ks.length) ks.push(rng.int(2, 6));
    const terms = ks.map((k) => ({ k, a: rng.range(0.04, 0.2), p: rng.range(0, 2 * Math.PI) }));
    radius = (th) => 1 + terms.reduce((s, t) => s + t.a * Math.sin(t.k * th + t.p), 0);
  } else {
    const n = rng.int(5, 9); // five or more corners: no triangle or square (the categories draw them upright, this rotates them)
    const pts = Array.from({ length: n }, (_, i) => ({
      th: ((i + rng.range(-0.35, 0.35)) / n) * 2 * Math.PI,
      r: rng.range(0.35, 1),
    }));
    radius = (th) => {
      // the polygon's boundary along direction th: intersect the ray with the edge it crosses
      const t = ((th % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
      for (let i = 0; i < n; i++) {
        const a = pts[i];
        const b = pts[(i + 1) % n];
        const ta = ((a.th % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
        let tb = ((b.th % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
        if (tb <= ta) tb += 2 * Math.PI;
        const tt = t < ta ? t + 2 * Math.PI : t;
        if (tt < ta || tt > tb) continue;
        const ax = a.r * Math.cos(ta),
          ay = a.r * Math.sin(ta),
          bx = b.r * Math.cos(tb),
          by = b.r * Math.sin(tb);
        const dx = Math.cos(t),
          dy = Math.sin(t);
        const den = dx * (by - ay) - dy * (bx - ax);
        return Math.abs(den) < 1e-9 ? a.r : (ax * (by - ay) - ay * (bx - ax)) / den;
      }
      return pts[0].r;
    };
  }
  // normalise so the outline reaches about the edge of [-1, 1]
  let rMax = 0;
  for (let i = 0; i < 64; i++) rMax = Math.max(rMax, radius((i / 64) * 2 * Math.PI));
  return (u, v) => {
    const x = (cr * u + sr * v) / 0.95;
    const y = (-sr * u + cr * v) / (0.95 * stretch);
    return Math.hypot(x, y) * rMax <= radius(Math.atan2(y, x));
  };
}

/** The shape on a G×G grid over [-1, 1]². */
function grid(shape: Shape): Uint8Array {
  const m = new Uint8Array(G * G);
  for (let j = 0; j < G; j++)
    for (let i = 0; i < G; i++)
      m[j * G + i] = shape(((i + 0.5) / G) * 2 - 1, ((j + 0.5) / G) * 2 - 1) ? 1 : 0;
  return m;
}

let catGrids: Uint8Array[] | null = null;

/** Each category's silhouette on the G×G grid (fitted to its bounding box, aspect kept). */
function categoryGrids(): Uint8Array[] {
  catGrids ??= canonicalMasks().map((m) => {
    const g = grid(
      (u, v) =>
        m[Math.floor(((v + 1) / 2) * CANON) * CANON + Math.floor(((u + 1) / 2) * CANON)] === 1,
    );
    return fitted(G, (i, j) => g[j * G + i] === 1);
  }); // sampled like `grid` samples a shape
  return catGrids;
}

/** A mask resampled so its bounding box fills the grid's longer side, centred (aspect kept). */
function fitted(n: number, at: (i: number, j: number) => boolean): Uint8Array {
  let x0 = n,
    y0 = n,
    x1 = -1,
    y1 = -1;
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++)
      if (at(i, j)) {
        x0 = Math.min(x0, i);
        y0 = Math.min(y0, j);
        x1 = Math.max(x1, i);
        y1 = Math.max(y1, j);
      }
  const out = new Uint8Array(n * n);
  if (x1 < 0) return out;
  const side = Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const cx = (x0 + x1 + 1) / 2;
  const cy = (y0 + y1 + 1) / 2;
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      const si = Math.floor(cx + ((i + 0.5) / n - 0.5) * side);
      const sj = Math.floor(cy + ((j + 0.5) / n - 0.5) * side);
      if (si >= 0 && sj >= 0 && si < n && sj < n && at(si, sj)) out[j * n + i] = 1;
    }
  return out;
}

/** The largest IoU between the shape (fitted to its box) and any category silhouette. */
export function categoryOverlap(shape: Shape): number {
  const g = grid(shape);
  const f = fitted(G, (i, j) => g[j * G + i] === 1);
  return Math.max(...categoryGrids().map((c) => maskIoU(f, c)));
}

/** One outlier image at `size`×`size`: a random non-category shape painted like a suite object. */
export function outlierImage(rng: SceneRng, size: number): RGBImage {
  let shape = randomShape(rng);
  for (let k = 0; k < 1000 && categoryOverlap(shape) >= CATEGORY_IOU_MAX; k++)
    shape = randomShape(rng); // most draws pass: a circle-like blob is redrawn
  const bgc = backgroundColor(rng);
  const img = drawBackground(rng, size, size, bgc);
  const j = size * 0.07;
  const pose = {
    cx: size / 2 + rng.range(-j, j),
    cy: size / 2 + rng.range(-j, j),
    r: size * rng.range(0.22, 0.35),
    sx: 1,
    sy: 1,
  };
  const color = objectColor(rng, bgc);
  fillMask(
    img,
    rasterize(pose, (_c, u, v) => shape(u, v)),
    color,
    darker(color),
  );
  return img;
}

/** `n` outlier images drawn from `seed` (a pool drawn once per run); `onImage` after each (a progress bar). */
export function outlierPool(n: number, size: number, seed: number, onImage: () => void = () => {}): RGBImage[] {
  const rng = new SceneRng(seed);
  return Array.from({ length: n }, () => {
    const im = outlierImage(rng, size);
    onImage();
    return im;
  });
}
