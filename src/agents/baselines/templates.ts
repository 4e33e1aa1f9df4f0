/**
 * A non-learned category guesser for baselines (e.g. the `always-answer` policy): template
 * matching over the image. Foreground = pixels whose colour stands out from the border's
 * median colour (oracle.ts `objectness`); every category's canonical silhouette is stretched
 * to the foreground's bounding box and scored by soft intersection-over-union; line drawings
 * (a thin foreground) are matched against outlines instead. It knows nothing of the episode.
 */
import type { RGBImage } from '../../scenes/image.js';
import { bbox, canonicalMasks, CANON, categoryMask, outlineOf, type BoxMask } from '../../scenes/masks.js';
import { CATEGORIES } from '../../scenes/shapes.js';
import { objectness } from '../../suite/oracle.js';

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


let extents: { u0: number; u1: number; v0: number; v1: number }[] | null = null;
/** Canonical bounding box of each category, in [-1, 1] units. */
function canonicalExtents() {
  if (extents) return extents;
  extents = canonicalMasks().map((m) => {
    const b = bbox(m, CANON, CANON)!; // every category's silhouette has pixels
    const c = (k: number) => (k / CANON) * 2 - 1;
    return { u0: c(b.x0), u1: c(b.x1 + 1), v0: c(b.y0), v1: c(b.y1 + 1) };
  });
  return extents;
}

/** 4-connected components of `fg` with at least `minSize` pixels, as lists of pixel indices. */
function components(fg: Uint8Array, W: number, H: number, minSize: number): number[][] {
  const label = new Int32Array(W * H).fill(-1);
  const out: number[][] = [];
  for (let start = 0; start < W * H; start++) {
    if (!fg[start] || label[start] >= 0) continue;
    const comp = [start];
    label[start] = out.length;
    for (let k = 0; k < comp.length; k++) {
      const i = comp[k];
      const x = i % W;
      const y = (i - x) / W;
      const nb = [x > 0 ? i - 1 : -1, x < W - 1 ? i + 1 : -1, y > 0 ? i - W : -1, y < H - 1 ? i + W : -1];
      for (const j of nb)
        if (j >= 0 && fg[j] && label[j] < 0) {
          label[j] = out.length;
          comp.push(j);
        }
    }
    if (comp.length >= minSize) out.push(comp);
  }
  return out;
}

/** Grow a frame mask by one pixel (8-neighbourhood). */
function dilate(m: Uint8Array, W: number, H: number): Uint8Array {
  const out = new Uint8Array(m.length);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      if (!m[y * W + x]) continue;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx, yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < W && yy < H) out[yy * W + xx] = 1;
        }
    }
  return out;
}

/**
 * Template-matching score per category (index = CATEGORIES order), in [0, 1]; all zero when
 * no foreground is found. Each connected foreground blob (an occluder or a passer-by is a
 * separate blob, entering from the frame's edge) is set apart and the largest blob is matched. Filled shapes score by
 * intersection-over-union; line drawings by how much of the drawing lies on the template's
 * outline and how much of the outline is drawn (both with one pixel of slack).
 * Use `guessCategory` to pick among a question's options.
 */
export function templateScores(image: RGBImage): number[] {
  const { width: W, height: H } = image;
  const ring = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (x < 2 || y < 2 || x >= W - 2 || y >= H - 2) ring[y * W + x] = 1;
  // a line drawing's one-pixel strokes vanish under the median filter: detect that case
  const raw = objectness(image, ring, { denoise: false });
  const med = objectness(image, ring);
  let nRaw = 0, nMed = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] > 0.5) nRaw++;
    if (med[i] > 0.5) nMed++;
  }
  const lineDrawing = nRaw >= 8 && nMed < 0.4 * nRaw;
  const o = lineDrawing ? raw : med;
  const fg = new Uint8Array(W * H);
  let nfg = 0;
  for (let i = 0; i < fg.length; i++)
    if (o[i] > 0.5) {
      fg[i] = 1;
      nfg++;
    }
  const best = CATEGORIES.map(() => 0);
  if (nfg < 8) return best;
  const thick = Math.max(1, Math.round(Math.max(W, H) / 64));
  let blobs: number[][];
  if (lineDrawing) blobs = [[...fg.keys()].filter((i) => fg[i])]; // strokes of one drawing belong together
  else {
    blobs = components(fg, W, H, Math.max(8, Math.round(nfg * 0.08)));
    // occluders and passers-by enter from the frame's edge; prefer blobs that do not touch it
    const inner = blobs.filter((b) => b.every((i) => { const x = i % W, y = (i - x) / W; return x > 0 && y > 0 && x < W - 1 && y < H - 1; }));
    if (inner.length) blobs = inner;
    blobs = [blobs.reduce((a, b) => (b.length > a.length ? b : a), [])]; // the largest one
  }
  const fgDil = lineDrawing ? dilate(fg, W, H) : fg;
  for (const blob of blobs) {
    const xs = blob.map((i) => i % W).sort((a, b) => a - b);
    const ys = blob.map((i) => Math.floor(i / W)).sort((a, b) => a - b);
    const x0 = xs[0], x1 = xs[xs.length - 1] + 1, y0 = ys[0], y1 = ys[ys.length - 1] + 1;
    const inBlob = new Uint8Array(W * H);
    for (const i of blob) inBlob[i] = 1;
    canonicalExtents().forEach((e, c) => {
      // stretch the category's canonical box onto the blob's box
      const sx = (x1 - x0) / (e.u1 - e.u0);
      const sy = (y1 - y0) / (e.v1 - e.v0);
      const r = Math.max(sx, sy);
      const pose = { cx: x0 - e.u0 * sx, cy: y0 - e.v0 * sy, r, sx: sx / r, sy: sy / r };
      let t = categoryMask(c, pose);
      if (lineDrawing) t = outlineOf(t, thick);
      const tf = toFrame(t, W);
      let score: number;
      if (lineDrawing) {
        const tDil = dilate(tf, W, H);
        let onT = 0, n = 0, drawn = 0, m = 0;
        for (let i = 0; i < fg.length; i++) {
          if (fg[i]) {
            n++;
            onT += tDil[i];
          }
          if (tf[i]) {
            m++;
            drawn += fgDil[i];
          }
        }
        score = n && m ? (onT / n) * (drawn / m) : 0;
      } else {
        let inter = 0, union = 0;
        for (let i = 0; i < fg.length; i++) {
          const ov = inBlob[i] ? o[i] : 0;
          inter += Math.min(tf[i], ov);
          union += Math.max(tf[i], ov);
        }
        score = union > 0 ? inter / union : 0;
      }
      if (score > best[c]) best[c] = score;
    });
  }
  return best;
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
