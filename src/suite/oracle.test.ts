import { describe, expect, it } from 'vitest';
import { corrupt } from '../scenes/corrupt.js';
import { drawBackground, fillMask, fillRect } from '../scenes/draw.js';
import type { RGBImage } from '../scenes/image.js';
import { categoryMask, type Pose } from '../scenes/masks.js';
import { SceneRng } from '../util/rng.js';
import { CATEGORIES } from '../scenes/shapes.js';
import { generateSuite } from './generate.js';
import { informativeness, INFORMATIVE_MIN, poseTemplates, UNINFORMATIVE_MAX } from './oracle.js';
import { guessCategory, templateScores } from '../agents/baselines/templates.js';

const pose: Pose = { cx: 31.6, cy: 32.4, r: 19, sx: 1, sy: 1 };
const T = poseTemplates(pose);
function render(cat: number, seed = 1): RGBImage {
  const img = drawBackground(new SceneRng(seed), 64, 64, [226, 230, 222]);
  fillMask(img, categoryMask(cat, pose), [150, 40, 60], [75, 20, 30]);
  return img;
}

describe('informativeness', () => {
  it('scores every clean, fully visible category as informative', () => {
    for (let c = 0; c < CATEGORIES.length; c++) {
      const s = informativeness({ image: render(c), category: c, templates: T }).score;
      expect(s, CATEGORIES[c]).toBeGreaterThanOrEqual(0.8);
    }
  });

  it('scores an empty scene, a hidden object and heavy corruption as uninformative', () => {
    const empty = drawBackground(new SceneRng(2), 64, 64, [226, 230, 222]);
    expect(informativeness({ image: empty, category: 3, templates: T }).score).toBeLessThanOrEqual(UNINFORMATIVE_MAX);
    // a block in front of almost all of it
    const img = render(3);
    const visible = new Uint8Array(64 * 64); // covered pixels, inverted below
    fillRect(img, 8, 8, 56, 64, [120, 80, 40], visible);
    for (let i = 0; i < visible.length; i++) visible[i] ^= 1;
    expect(informativeness({ image: img, category: 3, templates: T, visible }).score).toBeLessThanOrEqual(UNINFORMATIVE_MAX);
    for (const c of ['blur', 'pixelate', 'brightness', 'contrast'] as const)
      expect(informativeness({ image: corrupt(render(5), c, 1), category: 5, templates: T }).score, c).toBeLessThanOrEqual(UNINFORMATIVE_MAX);
  });

  it('grows as an occluder slides away', () => {
    const scores = [0, 10, 20, 30, 45].map((shift) => {
      const img = render(7);
      const visible = new Uint8Array(64 * 64); // covered pixels, inverted below
      fillRect(img, 8 + shift, 8, 56 + shift, 64, [120, 80, 40], visible);
      for (let i = 0; i < visible.length; i++) visible[i] ^= 1;
      return informativeness({ image: img, category: 7, templates: T, visible }).score;
    });
    for (let k = 1; k < scores.length; k++) expect(scores[k]).toBeGreaterThanOrEqual(scores[k - 1] - 0.02);
    expect(scores[0]).toBeLessThanOrEqual(UNINFORMATIVE_MAX);
    expect(scores[4]).toBeGreaterThanOrEqual(INFORMATIVE_MIN);
  });

  it('does not call the wrong category informative', () => {
    // the image shows a star; claiming it is a circle must score low
    const star = CATEGORIES.indexOf('star');
    const circle = CATEGORIES.indexOf('circle');
    expect(informativeness({ image: render(star), category: circle, templates: T }).score).toBeLessThan(0);
  });
});

describe('template guesser (non-learned baseline)', () => {
  it('tells categories apart on clear views, and is near chance on first views', () => {
    const suite = generateSuite({ episodes: 16, seed: 11, controlShare: 0 });
    let refOk = 0;
    let firstOk = 0;
    for (const ep of suite) {
      const ref = ep.views[ep.referenceView];
      const first = ep.views[ep.firstView];
      if ('image' in ref && guessCategory(ref.image, ep.categories) === ep.answer) refOk++;
      if ('image' in first && guessCategory(first.image, ep.categories) === ep.answer) firstOk++;
    }
    const n = suite.length;
    expect(refOk / n).toBeGreaterThan(0.75);
    expect(firstOk / n).toBeLessThan(refOk / n - 0.25);
    expect(templateScores(drawBackground(new SceneRng(1), 64, 64, [230, 230, 230])).every((s) => s === 0)).toBe(true);
  });
});
