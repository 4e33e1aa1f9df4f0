/**
 * Passer-by (ProactiveBench's VSOD scenario): frames of a video in which a person walks
 * between the camera and the object. The first frame shows the person in front of it;
 * "wait" moves to the next frame, "rewind" to the previous one, until the object is clear.
 */
import { backgroundColor, darker, drawBackground, drawFigure, fillMask, hsv, objectColor, type RGB } from '../../scenes/draw.js';
import { categoryMask } from '../../scenes/masks.js';
import { INFORMATIVE_MIN, poseTemplates } from '../oracle.js';
import { ABSTAIN_TEXT, RejectedDraw, railSteps, samplePose, type KindContext, type RawEpisode, scoreView } from './common.js';

export const PASSERBY_TEXT = {
  question: 'This is a frame from a video. What object is standing in the scene?',
  referenceQuestion: 'What object is in the image?',
  hint: 'Hint: if someone walks in front of the object, waiting for them to pass or rewinding the video may reveal it.',
  wait: 'Wait for the person to walk past.',
  rewind: 'Rewind the video.',
};

const SKIN: RGB[] = [
  [241, 194, 160],
  [224, 172, 105],
  [198, 134, 66],
  [141, 85, 36],
  [255, 219, 172],
];

export function generatePasserby(ctx: KindContext): RawEpisode {
  const { rng, size: S, category } = ctx;
  const bgc = backgroundColor(rng);
  const bg = drawBackground(rng, S, S, bgc);
  const pose = samplePose(rng, S, 0.2, 0.32);
  const color = objectColor(rng, bgc);
  const mask = categoryMask(category, pose);
  const templates = ctx.renderOnly ? [] : poseTemplates(pose);

  const dir = rng.bool() ? 1 : -1;
  const step = S * rng.range(0.2, 0.26);
  const torsoW = 2 * pose.r * rng.range(1.05, 1.2);
  // frames enough on both sides for the person to be clear of the object before and after
  const k = Math.ceil((torsoW * 0.66 + pose.r) / step);
  const extra = rng.int(0, 2);
  const n = 2 * k + 1 + extra;
  const t0 = k + rng.int(0, extra);
  const top = pose.cy - pose.r - torsoW * 0.62 - S * rng.range(0.0, 0.05);
  const jit = S * rng.range(-0.03, 0.03);
  const cloth = hsv(rng.next(), rng.range(0.3, 0.8), rng.range(0.25, 0.6));
  const pants = hsv(rng.next(), rng.range(0.1, 0.5), rng.range(0.15, 0.35));
  const skin = rng.pick(SKIN);

  const views = [];
  const scores = [];
  for (let t = 0; t < n; t++) {
    const img = { width: S, height: S, data: bg.data.slice() };
    fillMask(img, mask, color, darker(color));
    const cover = ctx.renderOnly ? undefined : new Uint8Array(S * S);
    drawFigure(img, { cx: pose.cx + jit + dir * (t - t0) * step, torsoW, top, phase: t * 1.6, cloth, skin, pants }, cover);
    if (cover) for (let i = 0; i < cover.length; i++) cover[i] ^= 1;
    views.push(img);
    scores.push(scoreView(ctx, () => ({ image: img, category, templates, visible: cover })));
  }
  if (!ctx.renderOnly && (scores[0] < INFORMATIVE_MIN || scores[n - 1] < INFORMATIVE_MIN)) throw new RejectedDraw('the person is not clear of the object at both ends');
  return {
    views,
    scores,
    clarity: views.map((_, k) => Math.abs(k - t0)),
    firstView: t0,
    interventions: [PASSERBY_TEXT.wait, PASSERBY_TEXT.rewind, ABSTAIN_TEXT],
    abstain: [2],
    steps: railSteps(n, 1, 0, 2),
    question: PASSERBY_TEXT.question,
    referenceQuestion: PASSERBY_TEXT.referenceQuestion,
    hint: PASSERBY_TEXT.hint,
    meta: { pose, direction: dir > 0 ? 'right' : 'left' },
  };
}
