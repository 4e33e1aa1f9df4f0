/**
 * Degraded views for the supervised stage's classifier: photometric robustness of the kind a real
 * VLM has from pre-training on real photos, with a target the oracle decides. A view of the RL
 * training kind whose views are photos (camera) is degraded by one generic pixel operation of
 * scenes/corrupt.ts (blur, noise, pixelation, JPEG, darkening, low contrast, colour loss — the
 * operations the degradation captions use) at a random severity, and the same oracle that flags
 * every suite view (suite/oracle.ts `informativeness`, with the view's templates) scores the
 * degraded image: informative (score ≥ INFORMATIVE_MIN) → its category; uninformative (score ≤
 * UNINFORMATIVE_MAX) → "cannot tell" (uniform); a linear mix in between, as random erasing
 * softens its target by the hidden share (agents/builtin/augment.ts `erase`). So the model learns
 * when a degraded photo still shows enough, and stays unsure when it does not.
 *
 * What it sees (disclosed, issue 18): the camera kind's informative views (the clearest window,
 * the other informative windows and the wide view) of the supervised stage's training episodes —
 * never a corruption-kind episode, its option texts or its ask-or-answer protocol. Sketch's line
 * drawings are not used: their record keeps no pose, so the oracle's templates cannot be rebuilt.
 * The idea came from diagnosing the corruption kind's views on development seeds (its informative
 * but degraded views were classified right 0.38 of the time, darkened ones confidently wrong;
 * docs/transfer.md, session 7).
 */
import { corrupt, CORRUPTIONS } from '../scenes/corrupt.js';
import type { RGBImage } from '../scenes/image.js';
import type { BoxMask } from '../scenes/masks.js';
import { CATEGORIES } from '../scenes/shapes.js';
import { informativeness, INFORMATIVE_MIN, poseTemplates, UNINFORMATIVE_MAX } from '../suite/oracle.js';
import type { SuiteEpisode } from '../suite/types.js';
import { Rng } from '../util/rng.js';

/** Severities drawn for a degraded view (scenes/corrupt.ts levels: 0 clean … 1 worst). */
export const DEGRADE_LEVELS = { min: 0.1, max: 1 } as const;

/** Degraded views drawn once per run (pixel operations and the oracle cost milliseconds each; a pool keeps steps fast). */
export const DEGRADED_POOL = 1024;

/** One degraded view: its category and the share of its target that is "cannot tell" (0 = one-hot, 1 = uniform). */
export interface DegradedView {
  image: RGBImage;
  label: number;
  question: string;
  kind: string;
  /** Share of the target that is uniform, from the oracle's score of the degraded image. */
  unsure: number;
  /** The oracle's score of the degraded image. */
  score: number;
  corruption: (typeof CORRUPTIONS)[number];
  level: number;
}

/** "Cannot tell" share of the target for oracle score `s`: 0 at INFORMATIVE_MIN and above, 1 at UNINFORMATIVE_MAX and below. */
export function unsureShare(s: number): number {
  return Math.min(1, Math.max(0, (INFORMATIVE_MIN - s) / (INFORMATIVE_MIN - UNINFORMATIVE_MAX)));
}

interface CameraMeta {
  object?: { cx: number; cy: number; r: number };
  windows?: [number, number, number][];
}

/**
 * The oracle's templates of view `v` of a camera episode (every category's silhouette where the
 * object is in that view), as the generator builds them (suite/kinds/camera.ts); null for other
 * kinds and for records without the object's pose and the view windows.
 */
export function cameraViewTemplates(e: SuiteEpisode, v: number): BoxMask[] | null {
  const m = e.meta as CameraMeta | undefined;
  const win = m?.windows?.[v];
  const view = e.views[v];
  if (e.kind !== 'camera' || !m?.object || !win || !('image' in view)) return null;
  const [x0, y0, side] = win;
  const S = view.image.width;
  if (side === S) return poseTemplates({ ...m.object, sx: 1, sy: 1 }).map((t) => ({ ...t, x0: t.x0 - x0, y0: t.y0 - y0 }));
  const f = S / side; // the wide view: the scene at 1/f scale
  return poseTemplates({ cx: (m.object.cx - x0) * f, cy: (m.object.cy - y0) * f, r: m.object.r * f, sx: 1, sy: 1 });
}

/**
 * `size` degraded views drawn from the informative views of the camera episodes in `episodes`
 * (each: a random view, a random operation of CORRUPTIONS, a severity uniform in DEGRADE_LEVELS),
 * seeded by `seed` (the same pool on resume and on any machine). Empty without camera episodes.
 */
export function degradedViews(episodes: readonly SuiteEpisode[], size: number, seed: number): DegradedView[] {
  const views: { e: SuiteEpisode; v: number; templates: BoxMask[] }[] = [];
  for (const e of episodes) {
    if (e.kind !== 'camera') continue;
    e.views.forEach((_, v) => {
      if (e.informative?.[v] !== true) return;
      const templates = cameraViewTemplates(e, v);
      if (templates) views.push({ e, v, templates });
    });
  }
  if (!views.length) return [];
  const rng = new Rng(seed);
  return Array.from({ length: size }, () => {
    const { e, v, templates } = views[rng.int(views.length)];
    const corruption = CORRUPTIONS[rng.int(CORRUPTIONS.length)];
    const level = rng.uniform(DEGRADE_LEVELS.min, DEGRADE_LEVELS.max);
    const image = corrupt((e.views[v] as { image: RGBImage }).image, corruption, level, rng.int(2 ** 31));
    const label = CATEGORIES.indexOf(e.categories[e.answer]);
    const score = informativeness({ image, category: label, templates }).score;
    return { image, label, question: e.question, kind: e.kind, unsure: unsureShare(score), score, corruption, level };
  });
}
