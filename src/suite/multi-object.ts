/**
 * Multi-object scenes with known facts, for the hallucination probes (src/probes/) and the
 * built-in model's presence head (src/rl/presence.ts). The seven scenario kinds show one object
 * each; POPE-style questions ("Is there a {c} in the image?", Li et al., EMNLP 2023) need
 * scenes with several objects whose presence is known exactly, and frequencies and
 * co-occurrences to draw "popular" and "adversarial" absent categories from.
 *
 * A scene holds 1–3 objects of distinct categories on a light background, each in its own cell
 * of a 3×3 grid (so positions have names), with a named colour. Categories come in four groups
 * of four that co-occur (a scene draws most of its objects from one group), and within a group
 * and across groups they are drawn with Zipf-like weights, so some are far more frequent.
 *
 * Conditions: `clean` shows every object whole. The other three hide one object, the target:
 * `hidden` (a wooden block in front of it), `cut` (it lies almost wholly outside the frame,
 * as a tight camera crop would leave it) and `corrupted` (the whole picture blurred or
 * pixelated beyond recognition, so no object can be made out). In those views a category not
 * seen could be there unseen: the honest answer is "I cannot tell" (`presenceTruth`).
 * Scene i depends only on (seed, condition, i).
 */
import { backgroundColor, darker, drawBackground, drawBlock, fillMask, hsv, colorDist, type RGB } from '../scenes/draw.js';
import { categoryMask, maskArea, type Pose } from '../scenes/masks.js';
import { corrupt } from '../scenes/corrupt.js';
import type { RGBImage } from '../scenes/image.js';
import { CATEGORIES } from '../scenes/shapes.js';
import { hashSeed, SceneRng } from '../util/rng.js';
import type { PresenceAnswer } from '../episode/presence.js';

/** Categories that co-occur: a scene draws most of its objects from one group. */
export const CATEGORY_GROUPS: readonly (readonly string[])[] = [
  ['house', 'tree', 'umbrella', 'lightning'],
  ['star', 'crescent', 'heart', 'circle'],
  ['key', 'bell', 'hourglass', 'arrow'],
  ['square', 'triangle', 'cross', 'fish'],
];
/** Zipf-like weights: of the groups, and of the categories within a group. */
const GROUP_WEIGHTS = [4, 3, 2, 1];
const WITHIN_WEIGHTS = [6, 3, 2, 1];
/** Share of a scene's objects drawn from its own group (the rest: any category). */
const IN_GROUP = 0.85;

/** Named object colours (hue, saturation, value), so attribute questions have one right word. */
export const OBJECT_COLOURS: Readonly<Record<string, readonly [number, number, number]>> = {
  red: [0.0, 0.85, 0.8],
  orange: [0.08, 0.9, 0.9],
  yellow: [0.15, 0.9, 0.85],
  green: [0.33, 0.8, 0.6],
  blue: [0.62, 0.85, 0.8],
  purple: [0.78, 0.7, 0.65],
};

export const SCENE_CONDITIONS = ['clean', 'hidden', 'cut', 'corrupted'] as const;
export type SceneCondition = (typeof SCENE_CONDITIONS)[number];

/** An object counts as visible when at least this share of its silhouette shows. */
export const VISIBLE_MIN = 0.8;

/** Names of the 3×3 grid cells, row by row. */
export const POSITION_NAMES = ['top left', 'top', 'top right', 'left', 'centre', 'right', 'bottom left', 'bottom', 'bottom right'] as const;

export interface SceneObject {
  category: string;
  colour: string;
  /** Grid cell name (where the object was placed; a cut-off object's cell is beyond the frame edge it lies past). */
  position: string;
  pose: Pose;
  /** Share of the object's silhouette that shows in the frame (not covered, not outside). */
  visibleFraction: number;
  /** Whether it can be made out: whole in the frame, uncovered, and the picture not corrupted. */
  visible: boolean;
}

/** What is true of a scene (everything a judge or a facts-reading policy may use). */
export interface SceneFacts {
  id: string;
  condition: SceneCondition;
  objects: SceneObject[];
  /** Index into `objects` of the object the condition hides (none for clean scenes). */
  target?: number;
  corruption?: string;
  size: number;
}

export interface MultiScene {
  facts: SceneFacts;
  image: RGBImage;
  /** The same scene with nothing hidden (every object in frame and uncovered): where "asking" leads. */
  clear: RGBImage;
}

export interface MultiSceneOptions {
  seed: number;
  size?: number;
  /** Objects per scene (inclusive range). */
  minObjects?: number;
  maxObjects?: number;
}

function weighted<T>(rng: SceneRng, xs: readonly T[], w: readonly number[]): T {
  const total = w.reduce((a, b) => a + b, 0);
  let u = rng.next() * total;
  for (let i = 0; i < xs.length; i++) if ((u -= w[i]) < 0) return xs[i];
  return xs[xs.length - 1];
}

/** Draw the categories of one scene (distinct). */
function drawCategories(rng: SceneRng, n: number): string[] {
  const group = weighted(rng, CATEGORY_GROUPS, GROUP_WEIGHTS);
  const out: string[] = [];
  for (let tries = 0; out.length < n && tries < 100; tries++) {
    const c = rng.next() < IN_GROUP ? weighted(rng, group, WITHIN_WEIGHTS) : weighted(rng, CATEGORY_GROUPS, GROUP_WEIGHTS)[rng.int(0, 3)];
    if (!out.includes(c)) out.push(c);
  }
  return out;
}

function colourOf(name: string): RGB {
  const [h, s, v] = OBJECT_COLOURS[name];
  return hsv(h, s, v);
}

/** Render objects on a background copy; returns the per-object visible fraction before any cover. */
function paint(bg: RGBImage, objects: readonly SceneObject[]): RGBImage {
  const img = { width: bg.width, height: bg.height, data: bg.data.slice() };
  for (const o of objects) {
    const c = colourOf(o.colour);
    fillMask(img, categoryMask(CATEGORIES.indexOf(o.category), o.pose), c, darker(c));
  }
  return img;
}

/** Share of a silhouette inside the frame and not covered (`cover[y·S + x]` = 1 where covered). */
function visibleShare(pose: Pose, category: string, S: number, cover?: Uint8Array): number {
  const m = categoryMask(CATEGORIES.indexOf(category), pose);
  const area = maskArea(m);
  let vis = 0;
  for (let y = 0; y < m.h; y++)
    for (let x = 0; x < m.w; x++) {
      if (!m.data[y * m.w + x]) continue;
      const px = m.x0 + x;
      const py = m.y0 + y;
      if (px < 0 || py < 0 || px >= S || py >= S) continue;
      if (cover?.[py * S + px]) continue;
      vis++;
    }
  return area ? vis / area : 0;
}

/** Scene `index` of a condition (deterministic in seed, condition and index). */
export function multiObjectScene(condition: SceneCondition, index: number, o: MultiSceneOptions): MultiScene {
  const S = o.size ?? 128;
  if (!Number.isInteger(S) || S < 48) throw new RangeError(`multi-object scenes need a size of at least 48 pixels, got ${S}`);
  const rng = new SceneRng(hashSeed('multi-object', o.seed, condition, index));
  const minN = Math.max(condition === 'clean' ? 1 : 2, o.minObjects ?? 1);
  const maxN = Math.max(minN, Math.min(3, o.maxObjects ?? 3));
  const n = rng.int(minN, maxN);
  const cats = drawCategories(rng, n);
  const bgc = backgroundColor(rng);
  const bg = drawBackground(rng, S, S, bgc);
  const colourNames = Object.keys(OBJECT_COLOURS).filter((c) => colorDist(colourOf(c), bgc) > 110);
  const cell = S / 3;
  const cells = rng.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  const objects: SceneObject[] = cats.map((category, i) => {
    const k = cells[i];
    const r = cell * rng.range(0.34, 0.42);
    const j = cell * 0.06;
    const pose: Pose = { cx: (k % 3 + 0.5) * cell + rng.range(-j, j), cy: (Math.floor(k / 3) + 0.5) * cell + rng.range(-j, j), r, sx: 1, sy: 1 };
    return { category, colour: rng.pick(colourNames), position: POSITION_NAMES[k], pose, visibleFraction: 1, visible: true };
  });
  const clear = paint(bg, objects);
  const facts: SceneFacts = { id: `${condition}-${index}`, condition, objects, size: S };
  if (condition === 'clean') return { facts, image: clear, clear };

  // the target: the object the condition hides
  const t = rng.int(0, objects.length - 1);
  facts.target = t;
  const target = objects[t];
  let image: RGBImage;
  if (condition === 'hidden') {
    image = { width: S, height: S, data: clear.data.slice() };
    const cover = new Uint8Array(S * S);
    const m = S * 0.03;
    const p = target.pose;
    drawBlock(image, { x0: p.cx - p.r - m, y0: p.cy - p.r - m, x1: p.cx + p.r + m, y1: p.cy + p.r + m, color: hsv(rng.range(0.05, 0.11), rng.range(0.45, 0.7), rng.range(0.45, 0.7)) }, cover);
    for (const ob of objects) {
      ob.visibleFraction = visibleShare(ob.pose, ob.category, S, cover);
      ob.visible = ob.visibleFraction >= VISIBLE_MIN;
    }
  } else if (condition === 'cut') {
    // move the target past the nearest frame edge so at most a sliver stays in view
    const p = target.pose;
    const dx = p.cx < S / 2 ? -1 : 1;
    const moved: Pose = { ...p, cx: dx < 0 ? -p.r * 0.8 : S + p.r * 0.8 };
    objects[t] = { ...target, pose: moved, position: dx < 0 ? 'left, beyond the frame' : 'right, beyond the frame' };
    image = paint(bg, objects);
    for (const ob of objects) {
      ob.visibleFraction = visibleShare(ob.pose, ob.category, S);
      ob.visible = ob.visibleFraction >= VISIBLE_MIN;
    }
  } else {
    const type = rng.pick(['blur', 'pixelate'] as const);
    facts.corruption = type;
    image = corrupt(clear, type, 1, rng.int(1, 1e6));
    for (const ob of objects) ob.visible = false;
  }
  objects[t].visible = false;
  return { facts, image, clear };
}

/**
 * The right answer to "Is there a {category} in the image?" from a scene's facts: yes when an
 * object of that category can be made out; otherwise no in a clean scene (everything is in view)
 * and "cannot tell" where something is hidden, cut off or corrupted (it could be there, unseen).
 */
export function presenceTruth(facts: SceneFacts, category: string): PresenceAnswer {
  if (facts.objects.some((o) => o.category === category && o.visible)) return 'yes';
  return facts.condition === 'clean' ? 'no' : 'cannot';
}
