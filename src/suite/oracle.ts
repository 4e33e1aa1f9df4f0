/**
 * The oracle informativeness measure: does a view show enough to tell the object's category?
 *
 * A careful viewer who knows where the object is (its pose) compares the image with every
 * category's silhouette at that pose. For the true category c and each other category d, the
 * pixels that tell them apart are A = c∖d (should look like object) and B = d∖c (should look
 * like background). The view's evidence for c over d is
 *
 *   score(c, d) = w · contrast,
 *   w        = (visible pixels of A ∪ B) / |A ∪ B|          (occluders, passers-by, the frame edge
 *                                                            and edge-on viewpoints hide them),
 *   contrast = mean objectness over visible A − mean objectness over visible B
 *              (or against the plain background / shared part when one side is empty),
 *
 * where objectness is a soft threshold on each pixel's colour distance from the background,
 * after a 3×3 box average (roughly what a person integrates at a glance). Blur, noise,
 * pixelation, JPEG blocking, darkness, low contrast and lost colour all lower the contrast;
 * hiding lowers w. The view's score is the minimum over every other category (not just the
 * four options), so "informative" (score ≥ INFORMATIVE_MIN) means the shape is shown well
 * enough to rule out every alternative, and a first view must score ≤ UNINFORMATIVE_MAX.
 * It is a template-matching margin in the sense of a nearest-template classifier that knows
 * the pose (Brunelli & Poggio, "Face recognition: features versus templates", 1993).
 */
import type { RGBImage } from '../scenes/image.js';
import { categoryMask, outlineOf, type BoxMask, type Pose } from '../scenes/masks.js';
import { CATEGORIES } from '../scenes/shapes.js';

/** A view scoring at least this is labelled informative. */
export const INFORMATIVE_MIN = 0.6;
/** A non-control first view must score at most this (a margin below INFORMATIVE_MIN). */
export const UNINFORMATIVE_MAX = 0.3;

/** Colour distance (0–441) at which a pixel starts / fully counts as object. */
const OBJ_LO = 14;
const OBJ_HI = 50;

/** Every category's silhouette (or outline, for line drawings) at one pose. */
export function poseTemplates(pose: Pose, mode: 'fill' | 'outline' = 'fill', thickness = 1): BoxMask[] {
  return CATEGORIES.map((_, i) => {
    const m = categoryMask(i, pose);
    return mode === 'fill' ? m : outlineOf(m, thickness);
  });
}

/**
 * Objectness per frame pixel in [0, 1]: soft-thresholded colour distance from the background
 * colour (per-channel median over `bgMask` pixels, or all pixels when too few).
 */
export function objectness(
  img: RGBImage,
  bgMask?: Uint8Array,
  opts: { denoise?: boolean; box?: { x0: number; y0: number; x1: number; y1: number } } = {},
): Float32Array {
  const denoise = opts.denoise ?? true;
  const { width: W, height: H, data } = img;
  const N = W * H;
  const hist = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
  let n = 0;
  for (let i = 0; i < N; i++) {
    if (bgMask && !bgMask[i]) continue;
    hist[0][data[i * 3]]++;
    hist[1][data[i * 3 + 1]]++;
    hist[2][data[i * 3 + 2]]++;
    n++;
  }
  if (n < 16) {
    for (const h of hist) h.fill(0);
    for (let i = 0; i < N; i++) for (let c = 0; c < 3; c++) hist[c][data[i * 3 + c]]++;
    n = N;
  }
  const bg = hist.map((h) => {
    let acc = 0;
    for (let v = 0; v < 256; v++) if ((acc += h[v]) * 2 >= n) return v;
    return 255;
  });
  // distance from bg after a 3×3 median per channel (suppresses noise, keeps edges);
  // line drawings skip it, since it would erase one-pixel strokes
  const bx = opts.box ?? { x0: 0, y0: 0, x1: W, y1: H };
  const X0 = Math.max(0, bx.x0), Y0 = Math.max(0, bx.y0), X1 = Math.min(W, bx.x1), Y1 = Math.min(H, bx.y1);
  const dist = new Float32Array(N);
  // eyes adapt to a dark picture: differences count relative to the background's brightness (Weber)
  const weber = 255 / Math.max(60, 0.299 * bg[0] + 0.587 * bg[1] + 0.114 * bg[2]);
  const win = new Int32Array(9);
  const med = [0, 0, 0];
  for (let y = Y0; y < Y1; y++)
    for (let x = X0; x < X1; x++) {
      for (let c = 0; c < 3; c++) {
        if (!denoise) {
          med[c] = data[(y * W + x) * 3 + c];
          continue;
        }
        let k = 0;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy < 0 ? 0 : y + dy >= H ? H - 1 : y + dy;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx < 0 ? 0 : x + dx >= W ? W - 1 : x + dx;
            const v = data[(yy * W + xx) * 3 + c];
            let j = k++;
            while (j > 0 && win[j - 1] > v) {
              win[j] = win[j - 1];
              j--;
            }
            win[j] = v;
          }
        }
        med[c] = win[4];
      }
      dist[y * W + x] = weber * Math.hypot(med[0] - bg[0], med[1] - bg[1], med[2] - bg[2]);
    }
  // the noise floor: 90th percentile of the background's own distances (inside the box)
  const bgd: number[] = [];
  for (let y = Y0; y < Y1; y++) for (let x = X0; x < X1; x++) if (!bgMask || bgMask[y * W + x]) bgd.push(dist[y * W + x]);
  bgd.sort((p, q) => p - q);
  const floor = bgd.length >= 16 ? bgd[Math.floor(bgd.length * 0.9)] : 0;
  const lo = Math.max(OBJ_LO, floor);
  const hi = lo + (OBJ_HI - OBJ_LO);
  const o = new Float32Array(N);
  for (let y = Y0; y < Y1; y++)
    for (let x = X0; x < X1; x++) {
      const d = dist[y * W + x];
      o[y * W + x] = d <= lo ? 0 : d >= hi ? 1 : (d - lo) / (hi - lo);
    }
  return o;
}

export interface OracleInput {
  image: RGBImage;
  /** True category id. */
  category: number;
  /** Templates of every category at this view's pose (index = category id), from poseTemplates. */
  templates: BoxMask[];
  /** Frame mask (width·height), 1 where the object would be seen if it were there (0 under occluders). Default: all. */
  visible?: Uint8Array;
  /** Per category: the size of the discriminative region in the object's full, frontal view (viewpoint kind). */
  refDelta?: number[];
  /** Categories to rule out (default: all others). */
  against?: number[];
  /** Median-filter before measuring (default true; off for thin line drawings, which it would erase). */
  denoise?: boolean;
}

export interface OracleResult {
  /** min over the other categories of w · contrast, in [-1, 1]. */
  score: number;
  /** The category hardest to rule out. */
  hardest: number;
}

/** Size of A ∪ B = c Δ d between two box masks. */
export function deltaSize(a: BoxMask, b: BoxMask): number {
  let n = 0;
  const x0 = Math.min(a.x0, b.x0);
  const y0 = Math.min(a.y0, b.y0);
  const x1 = Math.max(a.x0 + a.w, b.x0 + b.w);
  const y1 = Math.max(a.y0 + a.h, b.y0 + b.h);
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) if (at(a, x, y) !== at(b, x, y)) n++;
  return n;
}

function at(m: BoxMask, x: number, y: number): number {
  const lx = x - m.x0;
  const ly = y - m.y0;
  return lx < 0 || ly < 0 || lx >= m.w || ly >= m.h ? 0 : m.data[ly * m.w + lx];
}

/** Score a view (see the file comment). */
export function informativeness(inp: OracleInput): OracleResult {
  const { image, category: c, templates, visible } = inp;
  const W = image.width;
  const H = image.height;
  // background = visible pixels outside every template
  const bgMask = new Uint8Array(W * H);
  for (let i = 0; i < W * H; i++) bgMask[i] = visible ? visible[i] : 1;
  for (const t of templates)
    for (let y = 0; y < t.h; y++) {
      const py = t.y0 + y;
      if (py < 0 || py >= H) continue;
      for (let x = 0; x < t.w; x++) {
        const px = t.x0 + x;
        if (px >= 0 && px < W && t.data[y * t.w + x]) bgMask[py * W + px] = 0;
      }
    }
  // objectness is only needed inside the templates' joint box (plus a 1-px margin)
  const box = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  for (const t of templates) {
    box.x0 = Math.min(box.x0, t.x0 - 1);
    box.y0 = Math.min(box.y0, t.y0 - 1);
    box.x1 = Math.max(box.x1, t.x0 + t.w + 1);
    box.y1 = Math.max(box.y1, t.y0 + t.h + 1);
  }
  const o = objectness(image, bgMask, { denoise: inp.denoise, box });
  const tc = templates[c];
  // mean objectness over the visible pixels of the true silhouette
  let sF = 0, nF = 0;
  for (let y = 0; y < tc.h; y++)
    for (let x = 0; x < tc.w; x++) {
      const px = tc.x0 + x;
      const py = tc.y0 + y;
      if (!tc.data[y * tc.w + x] || px < 0 || py < 0 || px >= W || py >= H) continue;
      if (visible && !visible[py * W + px]) continue;
      sF += o[py * W + px];
      nF++;
    }
  const figure = nF > 0 ? sF / nF : 0;
  const against = inp.against ?? templates.map((_, i) => i).filter((i) => i !== c);
  let best = Infinity;
  let hardest = -1;
  for (const d of against) {
    if (d === c) continue;
    const td = templates[d];
    const x0 = Math.min(tc.x0, td.x0);
    const y0 = Math.min(tc.y0, td.y0);
    const x1 = Math.max(tc.x0 + tc.w, td.x0 + td.w);
    const y1 = Math.max(tc.y0 + tc.h, td.y0 + td.h);
    let sA = 0, nA = 0, sB = 0, nB = 0, sO = 0, nO = 0, delta = 0, deltaVis = 0;
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) {
        const a = at(tc, x, y);
        const b = at(td, x, y);
        const vis = x >= 0 && y >= 0 && x < W && y < H && (!visible || visible[y * W + x] === 1);
        if (a !== b) {
          delta++;
          if (vis) deltaVis++;
        }
        if (!vis) continue;
        const ov = o[y * W + x];
        if (a && !b) (sA += ov), nA++;
        else if (b && !a) (sB += ov), nB++;
        else if (!a) (sO += ov), nO++;
      }
    // shape agreement on the pixels that tell c from d, and figure/ground separation overall
    const acc = nA + nB >= 3 ? (sA + nB - sB) / (nA + nB) : 0.5;
    const ground = nO >= 3 ? sO / nO : 0;
    const contrast = Math.min(2 * acc - 1, figure - ground);
    const denom = Math.max(delta, inp.refDelta?.[d] ?? 0);
    const w = denom > 0 ? deltaVis / denom : 0;
    const s = w * contrast;
    if (s < best) {
      best = s;
      hardest = d;
    }
  }
  return { score: best === Infinity ? 0 : best, hardest };
}
