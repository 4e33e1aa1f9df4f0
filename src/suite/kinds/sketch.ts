/**
 * Sketch (ProactiveBench's QuickDraw scenario): a line drawing of the object's outline, drawn
 * stroke by stroke. The outline is cut into strokes (consecutive arcs around the object's
 * centre, starting at a random angle and running in a random direction); the first view
 * shows only the first stroke(s), and "add more details" draws the next ones.
 */
import { backgroundColor, drawBackground, hsv, type RGB } from '../../scenes/draw.js';
import { categoryMask, outlineOf } from '../../scenes/masks.js';
import { poseTemplates } from '../oracle.js';
import { ABSTAIN_TEXT, ladderSteps, samplePose, type KindContext, type RawEpisode, scoreView } from './common.js';

export const SKETCH_TEXT = {
  question: 'What does this drawing show?',
  hint: 'Hint: adding more details to the drawing could help with classification.',
  details: 'Add more details to the drawing.',
};

export function generateSketch(ctx: KindContext): RawEpisode {
  const { rng, size: S, category } = ctx;
  const paper = backgroundColor(rng);
  const bg = drawBackground(rng, S, S, [Math.min(255, paper[0] + 12), Math.min(255, paper[1] + 12), Math.min(255, paper[2] + 12)], 0.4);
  const pose = samplePose(rng, S);
  const thickness = Math.max(1, Math.round(S / 64));
  const outline = outlineOf(categoryMask(category, pose), thickness);
  const ink: RGB = hsv(rng.next(), rng.range(0, 0.6), rng.range(0.08, 0.3));

  // angle of every outline pixel around the centre, rotated so the first stroke starts at `start`
  const k = rng.int(6, 9);
  const start = rng.range(0, 2 * Math.PI);
  const dir = rng.bool() ? 1 : -1;
  const strokeOf = new Int8Array(outline.w * outline.h).fill(-1);
  for (let y = 0; y < outline.h; y++)
    for (let x = 0; x < outline.w; x++) {
      const i = y * outline.w + x;
      if (!outline.data[i]) continue;
      const a = Math.atan2(outline.y0 + y + 0.5 - pose.cy, outline.x0 + x + 0.5 - pose.cx);
      let t = (dir * (a - start)) / (2 * Math.PI);
      t -= Math.floor(t);
      strokeOf[i] = Math.min(k - 1, Math.floor(t * k));
    }

  const n = rng.int(3, 5);
  const counts: number[] = [1];
  for (let v = 1; v < n - 1; v++) counts.push(Math.max(counts[v - 1] + 1, Math.round(1 + ((k - 1) * v) / (n - 1))));
  counts.push(k);

  const views = [];
  const scores = [];
  const templates = ctx.renderOnly ? [] : poseTemplates(pose, 'outline', thickness);
  for (const c of counts) {
    const img = { width: S, height: S, data: bg.data.slice() };
    for (let y = 0; y < outline.h; y++) {
      const py = outline.y0 + y;
      if (py < 0 || py >= S) continue;
      for (let x = 0; x < outline.w; x++) {
        const s = strokeOf[y * outline.w + x];
        const px = outline.x0 + x;
        if (s < 0 || s >= c || px < 0 || px >= S) continue;
        const o = (py * S + px) * 3;
        img.data[o] = ink[0];
        img.data[o + 1] = ink[1];
        img.data[o + 2] = ink[2];
      }
    }
    views.push(img);
    scores.push(scoreView(ctx, () => ({ image: img, category, templates, denoise: false })));
  }
  return {
    views,
    scores,
    firstView: 0,
    interventions: [SKETCH_TEXT.details, ABSTAIN_TEXT],
    abstain: [1],
    steps: ladderSteps(n, [0], [0, 1]),
    question: SKETCH_TEXT.question,
    hint: SKETCH_TEXT.hint,
    meta: { strokes: k, shown: counts },
  };
}
