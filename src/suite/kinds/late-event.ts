/**
 * Late event (ProactiveBench's ChangeIt scenario): frames of a video in which a lump of clay
 * is shaped into the object. Early frames show a generic lump; the identifying shape only
 * appears later. Frames morph the lump's signed distance field into the category's
 * (linear blend of SDFs); "wait" moves forward, "rewind" back.
 */
import { backgroundColor, darker, drawBackground, fillMask, objectColor } from '../../scenes/draw.js';
import { canonicalSDFs, rasterize } from '../../scenes/masks.js';
import { poseTemplates } from '../oracle.js';
import { ABSTAIN_TEXT, railSteps, samplePose, type KindContext, type RawEpisode, scoreView } from './common.js';

export const LATE_EVENT_TEXT = {
  question: 'This is a frame from a video of clay being shaped. What object is it being made into?',
  referenceQuestion: 'What object is in the image?',
  hint: 'Hint: if you cannot answer yet, waiting for the shape to appear or rewinding the video could help.',
  wait: 'Wait for the object to take shape.',
  rewind: 'Rewind the video.',
};

export function generateLateEvent(ctx: KindContext): RawEpisode {
  const { rng, size: S, category } = ctx;
  const bgc = backgroundColor(rng);
  const bg = drawBackground(rng, S, S, bgc);
  const pose = samplePose(rng, S);
  const color = objectColor(rng, bgc);
  const sdf = canonicalSDFs()[category];
  const templates = ctx.renderOnly ? [] : poseTemplates(pose);
  // the lump: a wobbly disc, different every episode
  const R = rng.range(0.55, 0.68);
  const a3 = rng.range(0.06, 0.12);
  const a5 = rng.range(0.03, 0.07);
  const p3 = rng.range(0, 6.3);
  const p5 = rng.range(0, 6.3);
  const lump = (u: number, v: number) => {
    const th = Math.atan2(v, u);
    return Math.hypot(u, v) - R * (1 + a3 * Math.sin(3 * th + p3) + a5 * Math.sin(5 * th + p5));
  };

  const n = rng.int(4, 6);
  const settle = rng.int(0, 1); // frames after the shape is done
  const alphas: number[] = [];
  for (let t = 0; t < n; t++) alphas.push(Math.min(1, t / (n - 1 - settle)) ** 1.3 * (t === 0 ? 0 : 1));
  const views = [];
  const scores = [];
  for (const al of alphas) {
    const m = rasterize(pose, (cell, u, v) => (1 - al) * lump(u, v) + al * sdf[cell] <= 0);
    const img = { width: S, height: S, data: bg.data.slice() };
    fillMask(img, m, color, darker(color));
    views.push(img);
    scores.push(scoreView(ctx, () => ({ image: img, category, templates })));
  }
  const firstView = n >= 5 && scores[1] <= 0.2 && rng.bool(0.4) ? 1 : 0;
  return {
    views,
    scores,
    firstView,
    interventions: [LATE_EVENT_TEXT.wait, LATE_EVENT_TEXT.rewind, ABSTAIN_TEXT],
    abstain: [2],
    steps: railSteps(n, 1, 0, 2),
    question: LATE_EVENT_TEXT.question,
    referenceQuestion: LATE_EVENT_TEXT.referenceQuestion,
    hint: LATE_EVENT_TEXT.hint,
    meta: { progress: alphas.map((a) => Math.round(a * 100) / 100) },
  };
}
