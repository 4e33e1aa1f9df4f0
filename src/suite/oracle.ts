/**
 * The oracle informativeness measure: does a view show enough to tell the object's category?
 *
 * A careful viewer who knows where the object is (its pose) compares the image with every
 * category's silhouette at that pose — a nearest-template classifier that knows position and
 * scale (template matching in the sense of Brunelli & Poggio, "Face recognition: features
 * versus templates", 1993). For the true category c and each other category d, the pixels
 * that tell them apart are A = c∖d (should look like object) and B = d∖c (should look like
 * background). The evidence for c over d is
 *
 *   score(c, d) = w · contrast
 *   w        = visible pixels of A ∪ B / |A ∪ B|      (occluders, passers-by, the frame edge
 *              — or, for an object turned edge-on, the discriminative area of its frontal view)
 *   contrast = min(2·agree − 1, figure − ground)
 *   agree    = mean over visible A ∪ B of [objectness on A, 1 − objectness on B]
 *   figure   = mean objectness over the visible silhouette of c; ground = over the background
 *              around it (so an image that is "object" everywhere, e.g. pure noise, scores 0).
 *
 * Objectness is a soft threshold on each pixel's colour distance from the background colour
 * (median of the background pixels), after a 3×3 median of those distances (suppresses noise,
 * keeps edges; skipped for thin line drawings), measured above the background's own noise
 * floor (its 90th percentile) and relative to its brightness (Weber's law: eyes adapt to a
 * dark picture). Blur, noise, pixelation, JPEG blocking, darkness, low contrast and lost
 * colour lower the contrast; hiding lowers w. The view's score is the minimum over every
 * other category (not only the four options): "informative" (score ≥ INFORMATIVE_MIN) means
 * the view rules out every alternative, and a non-control first view must score at most
 * UNINFORMATIVE_MAX, well below it.
 */
import type { RGBImage } from '../scenes/image.js';
import { categoryMask, outlineOf, type BoxMask, type Pose } from '../scenes/masks.js';
import { CATEGORIES } from '../scenes/shapes.js';

/** A view scoring at least this is labelled informative. */
export const INFORMATIVE_MIN = 0.6;
/** A non-control first view must score at most this (a margin below INFORMATIVE_MIN). */
export const UNINFORMATIVE_MAX = 0.3;

/** Colour distance (0–441) above the noise floor at which a pixel starts / fully counts as object. */
const OBJ_LO = 14;
const OBJ_HI = 50;

/** Every category's silhouette (or outline, for line drawings) at one pose. */
export function poseTemplates(pose: Pose, mode: 'fill' | 'outline' = 'fill', thickness = 1): BoxMask[] {
  return CATEGORIES.map((_, i) => {
    const m = categoryMask(i, pose);
    return mode === 'fill' ? m : outlineOf(m, thickness);
  });
}

export interface ObjectnessOptions {
  /** Median-filter the distances (default true). */
  denoise?: boolean;
  /** Only compute inside this box (exclusive x1, y1); elsewhere 0. */
  box?: { x0: number; y0: number; x1: number; y1: number };
}

/**
 * Objectness per frame pixel in [0, 1] (see the file comment). The background colour is the
 * per-channel median over `bgMask` pixels (all pixels when fewer than 16 are marked).
 */
export function objectness(img: RGBImage, bgMask?: Uint8Array, opts: ObjectnessOptions = {}): Float32Array {
  const { width: W, height: H, data } = img;
  const N = W * H;
  const denoise = opts.denoise ?? true;
  const hist = new Uint32Array(768);
  let n = 0;
  for (let i = 0; i < N; i++) {
    if (bgMask && !bgMask[i]) continue;
    hist[data[i * 3]]++;
    hist[256 + data[i * 3 + 1]]++;
    hist[512 + data[i * 3 + 2]]++;
    n++;
  }
  if (n < 16) {
    hist.fill(0);
    for (let i = 0; i < N; i++) for (let c = 0; c < 3; c++) hist[256 * c + data[i * 3 + c]]++;
    n = N;
  }
  const bg = [0, 1, 2].map((c) => {
    let acc = 0;
    for (let v = 0; v < 256; v++) if ((acc += hist[256 * c + v]) * 2 >= n) return v;
    return 255;
  });
  const weber = 255 / Math.max(60, 0.299 * bg[0] + 0.587 * bg[1] + 0.114 * bg[2]);
  const bx = opts.box ?? { x0: 0, y0: 0, x1: W, y1: H };
  const X0 = Math.max(0, bx.x0), Y0 = Math.max(0, bx.y0), X1 = Math.min(W, bx.x1), Y1 = Math.min(H, bx.y1);
  // raw distances on the box grown by one pixel (the median's support)
  const RX0 = Math.max(0, X0 - 1), RY0 = Math.max(0, Y0 - 1), RX1 = Math.min(W, X1 + 1), RY1 = Math.min(H, Y1 + 1);
  const raw = new Float32Array(N);
  for (let y = RY0; y < RY1; y++)
    for (let x = RX0; x < RX1; x++) {
      const p = (y * W + x) * 3;
      const dr = data[p] - bg[0], dg = data[p + 1] - bg[1], db = data[p + 2] - bg[2];
      raw[y * W + x] = weber * Math.sqrt(dr * dr + dg * dg + db * db);
    }
  let dist = raw;
  if (denoise) {
    dist = new Float32Array(N);
    const win = new Float32Array(9);
    for (let y = Y0; y < Y1; y++)
      for (let x = X0; x < X1; x++) {
        let k = 0;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy < RY0 ? RY0 : y + dy >= RY1 ? RY1 - 1 : y + dy;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx < RX0 ? RX0 : x + dx >= RX1 ? RX1 - 1 : x + dx;
            const v = raw[yy * W + xx];
            let j = k++;
            while (j > 0 && win[j - 1] > v) {
              win[j] = win[j - 1];
              j--;
            }
            win[j] = v;
          }
        }
        dist[y * W + x] = win[4];
      }
  }
  // the noise floor: 90th percentile of the background's own distances inside the box
  const fh = new Uint32Array(512);
  let fn = 0;
  for (let y = Y0; y < Y1; y++)
    for (let x = X0; x < X1; x++)
      if (!bgMask || bgMask[y * W + x]) {
        fh[Math.min(511, Math.round(dist[y * W + x]))]++;
        fn++;
      }
  let floor = 0;
  if (fn >= 16) {
    let acc = 0;
    for (let v = 0; v < 512; v++) if ((acc += fh[v]) >= fn * 0.9) {
      floor = v;
      break;
    }
  }
  const lo = Math.max(OBJ_LO, floor);
  const span = OBJ_HI - OBJ_LO;
  const o = new Float32Array(N);
  for (let y = Y0; y < Y1; y++)
    for (let x = X0; x < X1; x++) {
      const d = dist[y * W + x];
      o[y * W + x] = d <= lo ? 0 : d >= lo + span ? 1 : (d - lo) / span;
    }
  return o;
}

export interface OracleInput {
  image: RGBImage;
  /** True category id. */
  category: number;
  /** Templates of every category at this view's pose (index = category id), from poseTemplates. Reuse the same array across views of one pose: the pixel lists are cached on it. */
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
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (at(a, x, y) !== at(b, x, y)) n++;
  return n;
}

function at(m: BoxMask, x: number, y: number): number {
  const lx = x - m.x0;
  const ly = y - m.y0;
  return lx < 0 || ly < 0 || lx >= m.w || ly >= m.h ? 0 : m.data[ly * m.w + lx];
}

/** Pixel lists of one (pose, category, frame size): what every view of that pose shares. */
interface PoseLists {
  /** Joint box of all templates (may extend past the frame). */
  box: { x0: number; y0: number; x1: number; y1: number };
  /** In-frame pixels outside every template, inside the joint box (the background around the object). */
  around: Int32Array;
  /** In-frame pixels of c's silhouette. */
  figure: Int32Array;
  /** Per other category d: in-frame pixels of A = c∖d and B = d∖c, and |A ∪ B| counting off-frame pixels. */
  pairs: { d: number; a: Int32Array; b: Int32Array; delta: number }[];
  /** Frame mask: 1 outside every template. */
  outside: Uint8Array;
}

const listCache = new WeakMap<BoxMask[], Map<string, PoseLists>>();

function poseLists(templates: BoxMask[], c: number, W: number, H: number): PoseLists {
  let byKey = listCache.get(templates);
  if (!byKey) listCache.set(templates, (byKey = new Map()));
  const key = `${c}:${W}x${H}`;
  const hit = byKey.get(key);
  if (hit) return hit;
  const box = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  for (const t of templates) {
    box.x0 = Math.min(box.x0, t.x0);
    box.y0 = Math.min(box.y0, t.y0);
    box.x1 = Math.max(box.x1, t.x0 + t.w);
    box.y1 = Math.max(box.y1, t.y0 + t.h);
  }
  const outside = new Uint8Array(W * H).fill(1);
  for (const t of templates)
    for (let y = 0; y < t.h; y++) {
      const py = t.y0 + y;
      if (py < 0 || py >= H) continue;
      for (let x = 0; x < t.w; x++) {
        const px = t.x0 + x;
        if (px >= 0 && px < W && t.data[y * t.w + x]) outside[py * W + px] = 0;
      }
    }
  const around: number[] = [];
  for (let y = Math.max(0, box.y0); y < Math.min(H, box.y1); y++)
    for (let x = Math.max(0, box.x0); x < Math.min(W, box.x1); x++) if (outside[y * W + x]) around.push(y * W + x);
  const tc = templates[c];
  const figure: number[] = [];
  for (let y = 0; y < tc.h; y++)
    for (let x = 0; x < tc.w; x++) {
      const px = tc.x0 + x, py = tc.y0 + y;
      if (tc.data[y * tc.w + x] && px >= 0 && py >= 0 && px < W && py < H) figure.push(py * W + px);
    }
  const pairs: PoseLists['pairs'] = [];
  templates.forEach((td, d) => {
    if (d === c) return;
    const a: number[] = [];
    const b: number[] = [];
    let delta = 0;
    const x0 = Math.min(tc.x0, td.x0), y0 = Math.min(tc.y0, td.y0);
    const x1 = Math.max(tc.x0 + tc.w, td.x0 + td.w), y1 = Math.max(tc.y0 + tc.h, td.y0 + td.h);
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) {
        const va = at(tc, x, y);
        const vb = at(td, x, y);
        if (va === vb) continue;
        delta++;
        if (x < 0 || y < 0 || x >= W || y >= H) continue;
        (va ? a : b).push(y * W + x);
      }
    pairs.push({ d, a: Int32Array.from(a), b: Int32Array.from(b), delta });
  });
  const lists = { box, around: Int32Array.from(around), figure: Int32Array.from(figure), pairs, outside };
  byKey.set(key, lists);
  return lists;
}

/** Score a view (see the file comment). */
export function informativeness(inp: OracleInput): OracleResult {
  const { image, category: c, templates, visible } = inp;
  const W = image.width;
  const H = image.height;
  const L = poseLists(templates, c, W, H);
  let bgMask = L.outside;
  if (visible) {
    bgMask = new Uint8Array(W * H);
    for (let i = 0; i < bgMask.length; i++) bgMask[i] = L.outside[i] & visible[i];
  }
  const o = objectness(image, bgMask, {
    denoise: inp.denoise,
    box: { x0: L.box.x0 - 1, y0: L.box.y0 - 1, x1: L.box.x1 + 1, y1: L.box.y1 + 1 },
  });
  const mean = (idx: Int32Array): [number, number] => {
    let s = 0, n = 0;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      if (visible && !visible[i]) continue;
      s += o[i];
      n++;
    }
    return [s, n];
  };
  const [sF, nF] = mean(L.figure);
  const [sG, nG] = mean(L.around);
  const figure = nF > 0 ? sF / nF : 0;
  const ground = nG >= 3 ? sG / nG : 0;
  const against = inp.against ? new Set(inp.against) : null;
  let best = Infinity;
  let hardest = -1;
  for (const p of L.pairs) {
    if (against && !against.has(p.d)) continue;
    const [sA, nA] = mean(p.a);
    const [sB, nB] = mean(p.b);
    const agree = nA + nB >= 3 ? (sA + nB - sB) / (nA + nB) : 0.5;
    const contrast = Math.min(2 * agree - 1, figure - ground);
    const denom = Math.max(p.delta, inp.refDelta?.[p.d] ?? 0);
    const w = denom > 0 ? (nA + nB) / denom : 0;
    const s = w * contrast;
    if (s < best) {
      best = s;
      hardest = p.d;
    }
  }
  return { score: best === Infinity ? 0 : best, hardest };
}
