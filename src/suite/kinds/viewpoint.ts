/**
 * Viewpoint (ProactiveBench's MVP-N scenario): the object is a flat cut-out turned almost
 * edge-on to the camera, so only a thin sliver and its side show; each "rotate" turns it
 * further toward the camera until it faces it. The squash is the cosine of the turn angle.
 */
import { backgroundColor, darker, drawBackground, fillMask, objectColor } from '../../scenes/draw.js';
import { categoryMask, type BoxMask, type Pose } from '../../scenes/masks.js';
import { CATEGORIES } from '../../scenes/shapes.js';
import { deltaSize, poseTemplates } from '../oracle.js';
import { ABSTAIN_TEXT, ladderSteps, samplePose, type KindContext, type RawEpisode, scoreView } from './common.js';

export const VIEWPOINT_TEXT = {
  question: 'What object is this?',
  referenceQuestion: 'What object is in the image?',
  hint: 'Hint: rotating the object could show a more informative side.',
  rotate: 'Rotate the object.',
  angle: 'Look at the object from a different angle.',
};

export function generateViewpoint(ctx: KindContext): RawEpisode {
  const { rng, size: S, category } = ctx;
  const bgc = backgroundColor(rng);
  const bg = drawBackground(rng, S, S, bgc);
  const base = samplePose(rng, S);
  const color = objectColor(rng, bgc);
  const side = darker(color, 0.5);
  const horizontal = rng.bool(0.7); // turned about the vertical axis (squashed in x) or the horizontal one
  const n = rng.int(4, 6);
  const first = rng.range(80, 86);
  const angles: number[] = [];
  for (let v = 0; v < n; v++) {
    const t = v / (n - 1);
    const a = first * (1 - t) + (v > 0 && v < n - 1 ? rng.range(-4, 4) : 0);
    angles.push(v === n - 1 ? 0 : a);
  }
  const full = ctx.renderOnly ? [] : poseTemplates(base);
  const refDelta = ctx.renderOnly ? [] : CATEGORIES.map((_, d) => (d === category ? 0 : deltaSize(full[category], full[d])));
  const thick = Math.max(1.5, base.r * 0.14);
  const sgn = rng.bool() ? 1 : -1;

  const views = [];
  const scores = [];
  for (const deg of angles) {
    const rad = (deg * Math.PI) / 180;
    const s = Math.max(0.04, Math.cos(rad));
    const pose: Pose = horizontal ? { ...base, sx: s } : { ...base, sy: s };
    const face = categoryMask(category, pose);
    const shift = sgn * thick * Math.sin(rad);
    const img = { width: S, height: S, data: bg.data.slice() };
    // the side of the cut-out: the face's copy, shifted by its thickness, drawn behind the face
    const visible = new Uint8Array(S * S).fill(1);
    for (let k = 1; k <= Math.abs(Math.round(shift)); k++) {
      const step = Math.sign(shift) * k;
      const m: BoxMask = horizontal ? { ...face, x0: face.x0 + step } : { ...face, y0: face.y0 + step };
      fillMask(img, m, side);
      markMask(visible, m, S, 0);
    }
    fillMask(img, face, shade(color, s), darker(color));
    markMask(visible, face, S, 1);
    views.push(img);
    scores.push(scoreView(ctx, () => ({ image: img, category, templates: poseTemplates(pose), visible, refDelta })));
  }
  return {
    views,
    scores,
    firstView: 0,
    interventions: [VIEWPOINT_TEXT.rotate, VIEWPOINT_TEXT.angle, ABSTAIN_TEXT],
    abstain: [2],
    steps: ladderSteps(n, [0, 1], [0, 1, 2]),
    question: VIEWPOINT_TEXT.question,
    referenceQuestion: VIEWPOINT_TEXT.referenceQuestion,
    hint: VIEWPOINT_TEXT.hint,
    meta: { angles: angles.map((a) => Math.round(a)), axis: horizontal ? 'vertical' : 'horizontal' },
  };
}

/** A face turned away catches less light. */
function shade(c: [number, number, number], s: number): [number, number, number] {
  const f = 0.75 + 0.25 * s;
  return [Math.round(c[0] * f), Math.round(c[1] * f), Math.round(c[2] * f)];
}

function markMask(frame: Uint8Array, m: BoxMask, S: number, value: number): void {
  for (let y = 0; y < m.h; y++) {
    const py = m.y0 + y;
    if (py < 0 || py >= S) continue;
    for (let x = 0; x < m.w; x++) {
      const px = m.x0 + x;
      if (px >= 0 && px < S && m.data[y * m.w + x]) frame[py * S + px] = value;
    }
  }
}
