/**
 * A non-learned category guesser for baselines (e.g. the `always-answer` policy): template
 * matching over the image. Foreground = pixels whose colour stands out from the border's
 * median colour (oracle.ts `objectness`); every category's canonical silhouette is stretched
 * to the foreground's bounding box and scored by soft intersection-over-union; line drawings
 * (a thin foreground) are matched against outlines instead. It knows nothing of the episode.
 */
import type { RGBImage } from '../scenes/image.js';
import { canonicalMasks, CANON, categoryMask, outlineOf, type BoxMask } from '../scenes/masks.js';
import { CATEGORIES } from '../scenes/shapes.js';
import { objectness } from './oracle.js';

export interface CategoryTemplate {
  category: string;
  /** size×size, 1 inside the silhouette (object centred, 90 % of the frame). */
  fill: Uint8Array;
  /** size×size, 1 on the silhouette's outline. */
  outline: Uint8Array;
}

function toFrame(m: BoxMask, size: number): Uint8Array {
  const out = new Uint8Array(size * size);
  for (let y = 0; y < m.h; y++)
    for (let x = 0; x < m.w; x++) {
      const px = m.x0 + x;
      const py = m.y0 + y;
      if (m.data[y * m.w + x] && px >= 0 && py >= 0 && px < size && py < size) out[py * size + px] = 1;
    }
  return out;
}

/** Every category's silhouette and outline, centred in a size×size frame. */
export function categoryTemplates(size: number): CategoryTemplate[] {
  const pose = { cx: size / 2, cy: size / 2, r: size * 0.45, sx: 1, sy: 1 };
  return CATEGORIES.map((category, i) => {
    const m = categoryMask(i, pose);
    return { category, fill: toFrame(m, size), outline: toFrame(outlineOf(m, Math.max(1, Math.round(size / 64))), size) };
  });
}

let extents: { u0: number; u1: number; v0: number; v1: number }[] | null = null;
/** Canonical bounding box of each category, in [-1, 1] units. */
function canonicalExtents() {
  if (extents) return extents;
  extents = canonicalMasks().map((m) => {
    let i0 = CANON, i1 = -1, j0 = CANON, j1 = -1;
    for (let j = 0; j < CANON; j++)
      for (let i = 0; i < CANON; i++)
        if (m[j * CANON + i]) {
          i0 = Math.min(i0, i);
          i1 = Math.max(i1, i);
          j0 = Math.min(j0, j);
          j1 = Math.max(j1, j);
        }
    const c = (k: number) => (k / CANON) * 2 - 1;
    return { u0: c(i0), u1: c(i1 + 1), v0: c(j0), v1: c(j1 + 1) };
  });
  return extents;
}

/**
 * Template-matching score per category (index = CATEGORIES order), in [0, 1]; all zero when
 * no foreground is found. Use `guessCategory` to pick among a question's options.
 */
export function templateScores(image: RGBImage): number[] {
  const { width: W, height: H } = image;
  const ring = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (x < 2 || y < 2 || x >= W - 2 || y >= H - 2) ring[y * W + x] = 1;
  const o = objectness(image, ring);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (o[y * W + x] > 0.5) xs.push(x), ys.push(y);
  if (xs.length < 8) return CATEGORIES.map(() => 0);
  xs.sort((a, b) => a - b);
  ys.sort((a, b) => a - b);
  const q = (a: number[], p: number) => a[Math.min(a.length - 1, Math.floor(p * a.length))];
  const x0 = q(xs, 0.01), x1 = q(xs, 0.99) + 1, y0 = q(ys, 0.01), y1 = q(ys, 0.99) + 1;
  const fgFrac = xs.length / Math.max(1, (x1 - x0) * (y1 - y0));
  const lineDrawing = fgFrac < 0.22;
  const thick = Math.max(1, Math.round(Math.max(W, H) / 64));
  return canonicalExtents().map((e, c) => {
    // stretch the category's canonical box onto the foreground box
    const sx = (x1 - x0) / (e.u1 - e.u0);
    const sy = (y1 - y0) / (e.v1 - e.v0);
    const r = Math.max(sx, sy);
    const pose = { cx: x0 - e.u0 * sx, cy: y0 - e.v0 * sy, r, sx: sx / r, sy: sy / r };
    let t = categoryMask(c, pose);
    if (lineDrawing) t = outlineOf(t, thick + 1);
    let inter = 0, union = 0;
    const bx0 = Math.max(0, Math.min(t.x0, x0 - 1)), by0 = Math.max(0, Math.min(t.y0, y0 - 1));
    const bx1 = Math.min(W, Math.max(t.x0 + t.w, x1 + 1)), by1 = Math.min(H, Math.max(t.y0 + t.h, y1 + 1));
    for (let y = by0; y < by1; y++)
      for (let x = bx0; x < bx1; x++) {
        const lx = x - t.x0, ly = y - t.y0;
        const tv = lx >= 0 && ly >= 0 && lx < t.w && ly < t.h ? t.data[ly * t.w + lx] : 0;
        const ov = o[y * W + x];
        inter += Math.min(tv, ov);
        union += Math.max(tv, ov);
      }
    return union > 0 ? inter / union : 0;
  });
}

/** Index into `options` (category names) of the best-matching category; unknown names score 0. */
export function guessCategory(image: RGBImage, options: readonly string[]): number {
  const s = templateScores(image);
  let best = 0;
  let bestScore = -1;
  options.forEach((name, i) => {
    const k = CATEGORIES.indexOf(name);
    const v = k >= 0 ? s[k] : 0;
    if (v > bestScore) {
      bestScore = v;
      best = i;
    }
  });
  return best;
}
