/**
 * Occlusion (ProactiveBench's ROD scenario): a wooden block stands in front of the object;
 * the views are the block's positions along a rail, and "move the block to the left/right"
 * slides it one step. The first view hides the object; sliding far enough uncovers it.
 */
import { backgroundColor, darker, drawBackground, drawBlock, fillMask, hsv, objectColor } from '../../scenes/draw.js';
import { categoryMask } from '../../scenes/masks.js';
import { INFORMATIVE_MIN, poseTemplates } from '../oracle.js';
import { ABSTAIN_TEXT, RejectedDraw, railSteps, samplePose, type KindContext, type RawEpisode, scoreView } from './common.js';

export const OCCLUSION_TEXT = {
  question: 'What object is behind the block?',
  referenceQuestion: 'What object is in the image?',
  hint: 'Hint: moving the block that hides the object may reveal what is behind it.',
  left: 'Move the occluding block to the left.',
  right: 'Move the occluding block to the right.',
};

export function generateOcclusion(ctx: KindContext): RawEpisode {
  const { rng, size: S, category } = ctx;
  const bgc = backgroundColor(rng);
  const bg = drawBackground(rng, S, S, bgc);
  const pose = samplePose(rng, S);
  const color = objectColor(rng, bgc);
  const mask = categoryMask(category, pose);
  const templates = ctx.renderOnly ? [] : poseTemplates(pose);

  const step = S * rng.range(0.2, 0.26);
  const blockW = 2 * pose.r + S * rng.range(0.1, 0.18);
  // enough positions on both sides to slide the block clear of the object either way
  const k = Math.ceil((blockW / 2 + pose.r) / step);
  const extra = rng.int(0, 2);
  const n = 2 * k + 1 + extra;
  const p0 = k + rng.int(0, extra);
  const top = pose.cy - pose.r - S * rng.range(0.04, 0.1);
  const jit = S * rng.range(-0.03, 0.03);
  const blockColor = rng.bool(0.7) ? hsv(rng.range(0.05, 0.11), rng.range(0.45, 0.7), rng.range(0.45, 0.7)) : hsv(rng.next(), rng.range(0.1, 0.3), rng.range(0.35, 0.55));

  const views = [];
  const scores = [];
  for (let p = 0; p < n; p++) {
    const img = { width: S, height: S, data: bg.data.slice() };
    fillMask(img, mask, color, darker(color));
    const cover = ctx.renderOnly ? undefined : new Uint8Array(S * S);
    const bx = pose.cx + jit + (p - p0) * step;
    drawBlock(img, { x0: bx - blockW / 2, y0: top, x1: bx + blockW / 2, y1: S + 2, color: blockColor }, cover);
    if (cover) for (let i = 0; i < cover.length; i++) cover[i] ^= 1; // → visible
    views.push(img);
    scores.push(scoreView(ctx, () => ({ image: img, category, templates, visible: cover })));
  }
  if (!ctx.renderOnly && (scores[0] < INFORMATIVE_MIN || scores[n - 1] < INFORMATIVE_MIN)) throw new RejectedDraw('the block does not clear the object at both ends');
  const interventions = [OCCLUSION_TEXT.left, OCCLUSION_TEXT.right, ABSTAIN_TEXT];
  return {
    views,
    scores,
    clarity: views.map((_, k) => Math.abs(k - p0)),
    firstView: p0,
    interventions,
    abstain: [2],
    steps: railSteps(n, 0, 1, 2),
    question: OCCLUSION_TEXT.question,
    referenceQuestion: OCCLUSION_TEXT.referenceQuestion,
    hint: OCCLUSION_TEXT.hint,
    meta: { pose, step: Math.round(step * 10) / 10 },
  };
}
