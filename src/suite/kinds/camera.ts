/**
 * Camera (ProactiveBench's MS-COCO scenario): the view is a window onto a scene twice its
 * size, and the first window only grazes the object: a sliver of it (at least `SLIVER_MIN` of
 * the frame's pixels) shows at the edge, too little to tell the category but enough to tell
 * which way the object lies. "Move the camera left/right/up/down"
 * shifts the window a quarter frame; "move farther away" shows the whole scene at half
 * scale. Moves toward the object and moving farther are valid (farther only where the object
 * can still be told apart at half scale); moves away are offered but invalid. The views are the windows between the first one and the object, plus the wide view.
 */
import type { ViewStep } from '../../episode/types.js';
import { crop, downsample } from '../../scenes/camera.js';
import { backgroundColor, darker, drawBackground, fillMask, objectColor } from '../../scenes/draw.js';
import { categoryMask, type BoxMask, type Pose } from '../../scenes/masks.js';
import { CATEGORIES } from '../../scenes/shapes.js';
import { INFORMATIVE_MIN, poseTemplates } from '../oracle.js';
import { ABSTAIN_TEXT, type KindContext, type RawEpisode, RejectedDraw, scoreView } from './common.js';

export const CAMERA_TEXT = {
  question: 'What object is in this scene?',
  referenceQuestion: 'What object is in the image?',
  hint: 'Hint: moving the camera or stepping back could bring the object into view.',
  left: 'Move the camera to the left.',
  right: 'Move the camera to the right.',
  up: 'Move the camera up.',
  down: 'Move the camera down.',
  farther: 'Move the camera farther away.',
};

// first-window offsets (in camera steps) that leave at most a sliver of the object in view
const OFFSETS: [number, number][] = [];
for (let a = -3; a <= 3; a++) for (const b of [-3, 3]) OFFSETS.push([a, b], [b, a]);

/** Least share of the first window's pixels the object's sliver covers (12 pixels at 64×64). */
export const SLIVER_MIN = 0.003;
/** Redraws of the object's position before the whole draw is rejected. */
const SLIVER_TRIES = 40;

/** Pixels of mask `m` inside the `S`×`S` window at (x0, y0). */
export function pixelsInWindow(m: BoxMask, x0: number, y0: number, S: number): number {
  return boxPixels(m, x0, y0, S, S);
}

const shift = (m: BoxMask, dx: number, dy: number): BoxMask => ({ ...m, x0: m.x0 + dx, y0: m.y0 + dy });

export function generateCamera(ctx: KindContext): RawEpisode {
  const { rng, size: S, category } = ctx;
  const L = 2 * S;
  const q = Math.floor(S / 4); // one camera step
  const bgc = backgroundColor(rng);
  const scene = drawBackground(rng, L, L, bgc);
  const [di, dj] = rng.pick(OFFSETS);
  // object window (oi, oj) on the 5×5 grid of window positions, chosen so the first window fits too
  const oi = rng.int(Math.max(0, -di), Math.min(4, 4 - di));
  const oj = rng.int(Math.max(0, -dj), Math.min(4, 4 - dj));
  const r = S * rng.range(0.27, 0.33);
  const fi = oi + di;
  const fj = oj + dj;
  // jitter the object until the first window grazes it (control episodes start elsewhere)
  let pose: Pose | undefined;
  let mask: BoxMask | undefined;
  for (let t = 0; t < SLIVER_TRIES; t++) {
    pose = { cx: oi * q + S / 2 + rng.range(-S / 16, S / 16), cy: oj * q + S / 2 + rng.range(-S / 16, S / 16), r, sx: 1, sy: 1 };
    mask = categoryMask(category, pose);
    if (ctx.control || pixelsInWindow(mask, fi * q, fj * q, S) >= SLIVER_MIN * S * S) break;
    if (t === SLIVER_TRIES - 1) throw new RejectedDraw('the first window does not graze the object');
  }
  const color = objectColor(rng, bgc);
  fillMask(scene, mask!, color, darker(color));
  const sceneTemplates = ctx.renderOnly ? [] : poseTemplates(pose!);

  // windows on the rectangle between the first window and the object window
  const cells: [number, number][] = [];
  for (let j = Math.min(fj, oj); j <= Math.max(fj, oj); j++) for (let i = Math.min(fi, oi); i <= Math.max(fi, oi); i++) cells.push([i, j]);
  const index = new Map(cells.map(([i, j], v) => [`${i},${j}`, v]));
  const wide = cells.length;

  const views = [];
  const scores = [];
  for (const [i, j] of cells) {
    const img = crop(scene, i * q, j * q, S, S);
    views.push(img);
    scores.push(scoreView(ctx, () => ({ image: img, category, templates: sceneTemplates.map((t) => shift(t, -i * q, -j * q)) })));
  }
  // the wide view: the whole scene at half scale; at small sizes the object may be too small
  // to tell there, and then moving farther away is offered but does not help (invalid)
  const wideImg = downsample(scene, 2);
  const widePose: Pose = { ...pose!, cx: pose!.cx / 2, cy: pose!.cy / 2, r: pose!.r / 2 };
  const wideScore = scoreView(ctx, () => ({ image: wideImg, category, templates: poseTemplates(widePose) }));
  const useWide = ctx.renderOnly || wideScore >= INFORMATIVE_MIN;
  if (useWide) {
    views.push(wideImg);
    scores.push(wideScore);
  }

  const T = CAMERA_TEXT;
  const interventions = [T.left, T.right, T.up, T.down, T.farther, ABSTAIN_TEXT];
  const moves: [number, number, number][] = [
    [0, -1, 0],
    [1, 1, 0],
    [2, 0, -1],
    [3, 0, 1],
  ];
  const steps: ViewStep[] = cells.map(([i, j]) => {
    const next: Record<number, number> = useWide ? { 4: wide } : {};
    const offered = [0, 1, 2, 3, 4, 5];
    for (const [k, dx, dy] of moves) {
      const ni = i + dx;
      const nj = j + dy;
      const closer = Math.abs(ni - oi) < Math.abs(i - oi) || Math.abs(nj - oj) < Math.abs(j - oj);
      const v = index.get(`${ni},${nj}`);
      if (closer && v !== undefined) next[k] = v;
    }
    return { offered, next };
  });
  if (useWide) steps.push({ offered: [5], next: {} });
  return {
    views,
    scores,
    firstView: index.get(`${fi},${fj}`)!,
    interventions,
    abstain: [5],
    steps,
    question: T.question,
    referenceQuestion: T.referenceQuestion,
    hint: T.hint,
    meta: {
      objectWindow: [oi, oj],
      firstWindow: [fi, fj],
      step: q,
      object: { cx: pose!.cx, cy: pose!.cy, r: pose!.r },
      // per view: the scene region it shows, [x0, y0, side] in scene pixels (the wide view: the whole scene)
      windows: [...cells.map(([i, j]) => [i * q, j * q, S]), ...(useWide ? [[0, 0, L]] : [])],
    },
  };
}

/** What `cameraCoverage` reads from a camera episode. */
interface CameraEpisodeLike {
  kind: string;
  categories: readonly string[];
  answer: number;
  meta?: Record<string, unknown>;
}

/**
 * Where the object is in view `v` of a camera episode, on a `grid`×`grid` map: per cell, the
 * share of the cell's pixels the object covers (0..1), row-major from the top left. Null for
 * other kinds and for episodes without the view windows in their meta (written before them).
 * The supervised stage teaches the encoder's "where" map from it.
 */
export function cameraCoverage(e: CameraEpisodeLike, v: number, grid: number): Float32Array | null {
  const m = e.meta as { object?: { cx: number; cy: number; r: number }; windows?: [number, number, number][] } | undefined;
  const win = m?.windows?.[v];
  if (e.kind !== 'camera' || !m?.object || !win) return null;
  const mask = categoryMask(CATEGORIES.indexOf(e.categories[e.answer]), { ...m.object, sx: 1, sy: 1 });
  const [x0, y0, side] = win;
  const out = new Float32Array(grid * grid);
  const cell = side / grid; // scene pixels per cell side
  for (let b = 0; b < grid; b++)
    for (let a = 0; a < grid; a++) {
      const cx0 = Math.round(x0 + a * cell);
      const cy0 = Math.round(y0 + b * cell);
      const w = Math.round(x0 + (a + 1) * cell) - cx0;
      const h = Math.round(y0 + (b + 1) * cell) - cy0;
      out[b * grid + a] = boxPixels(mask, cx0, cy0, w, h) / (w * h);
    }
  return out;
}

/** Pixels of mask `m` inside the `w`×`h` box at (x0, y0). */
function boxPixels(m: BoxMask, x0: number, y0: number, w: number, h: number): number {
  let n = 0;
  for (let y = Math.max(0, y0 - m.y0); y < Math.min(m.h, y0 + h - m.y0); y++)
    for (let x = Math.max(0, x0 - m.x0); x < Math.min(m.w, x0 + w - m.x0); x++) n += m.data[y * m.w + x] ? 1 : 0;
  return n;
}
