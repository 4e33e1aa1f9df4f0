/**
 * Corruption (ProactiveBench's ImageNet-C scenario): the photo is corrupted by one of seven
 * real pixel operations (scenes/corrupt.ts); each view is the same photo at a lower severity,
 * reached by the one enhancement that undoes the corruption present. Every view offers that
 * enhancement and three enhancements for other corruptions (invalid), plus abstain.
 */
import { corrupt, CORRUPTIONS, type Corruption } from '../../scenes/corrupt.js';
import { backgroundColor, darker, drawBackground, fillMask, isoluminantColor, mutedColor, objectColor } from '../../scenes/draw.js';
import { categoryMask } from '../../scenes/masks.js';
import { poseTemplates } from '../oracle.js';
import { ABSTAIN_TEXT, ladderSteps, samplePose, type KindContext, type RawEpisode, scoreView } from './common.js';

/** The enhancement option that undoes each corruption (wording keeps ProactiveBench's keywords). */
export const ENHANCEMENT_TEXT: Record<Corruption, string> = {
  blur: 'Deblur the image.',
  noise: 'Denoise the image.',
  pixelate: 'Increase the image resolution.',
  jpeg: 'Reduce the JPEG compression.',
  brightness: 'Increase the brightness.',
  contrast: 'Increase the contrast.',
  saturation: 'Increase the color saturation.',
};

export const CORRUPTION_TEXT = {
  question: 'What object is in the image?',
  hint: 'Hint: enhancing the image quality could help with classification.',
};

export function generateCorruption(ctx: KindContext, only?: Corruption): RawEpisode {
  const { rng, size: S, category } = ctx;
  const type = only ?? rng.pick(CORRUPTIONS);
  // colour loss only hides an object whose colour has the background's luma
  const bgc = backgroundColor(rng, type !== 'saturation');
  const bg = drawBackground(rng, S, S, bgc, type === 'saturation' ? 0.5 : 1);
  const pose = samplePose(rng, S);
  // muted colours for noise: a loud colour would stay visible through any noise level
  const color = type === 'saturation' ? isoluminantColor(rng, bgc) : type === 'noise' ? mutedColor(rng, bgc, rng.range(75, 95)) : objectColor(rng, bgc);
  const clean = { width: S, height: S, data: bg.data.slice() };
  fillMask(clean, categoryMask(category, pose), color, type === 'saturation' ? undefined : darker(color));
  const templates = ctx.renderOnly ? [] : poseTemplates(pose);

  const n = rng.int(3, 5);
  const levels: number[] = [];
  const first = rng.range(0.9, 1);
  for (let v = 0; v < n; v++) {
    const t = v / (n - 1);
    levels.push(v === n - 1 ? 0 : first * (1 - t) + (v > 0 ? rng.range(-0.04, 0.04) : 0));
  }
  const noiseSeed = Math.floor(rng.next() * 2 ** 31);
  const views = levels.map((l, v) => corrupt(clean, type, l, noiseSeed + v));
  const scores = views.map((image) => scoreView(ctx, () => ({ image, category, templates })));

  const others = rng.sample(
    CORRUPTIONS.filter((c) => c !== type),
    3,
  );
  const texts = rng.shuffle([...[type, ...others].map((c) => ENHANCEMENT_TEXT[c]), ABSTAIN_TEXT]);
  const valid = texts.indexOf(ENHANCEMENT_TEXT[type]);
  const abstain = texts.indexOf(ABSTAIN_TEXT);
  return {
    views,
    scores,
    // among views the oracle scores alike, the least corrupted is the clearest (the last, uncorrupted photo)
    clarity: levels.map((l) => -l),
    firstView: 0,
    interventions: texts,
    abstain: [abstain],
    // the same five options on every view; at the cleanest view no enhancement is left to apply
    steps: ladderSteps(n, [valid], texts.map((_, i) => i), false),
    question: CORRUPTION_TEXT.question,
    hint: CORRUPTION_TEXT.hint,
    meta: { corruption: type, levels: levels.map((l) => Math.round(l * 100) / 100) },
  };
}
