/**
 * Degradation–caption pairs for perception pre-training: a generic prior of the kind a real VLM
 * picks up from captions ("a blurry photo", "too dark"), so the which-intervention head can tell
 * "blurred" from "noisy" on a kind of missing information RL never trains on.
 *
 * What it sees (disclosed, issue 18): the clearest views of the RL training kinds only (sketch,
 * camera — never an unseen kind's episode or its ask-or-answer protocol), each left clean or
 * degraded by one of the generic pixel operations of scenes/corrupt.ts at a random severity,
 * paired with a caption that says what the photo needs, naming the operation. The captions
 * share those names with any text about these operations (e.g. "deblur", "resolution",
 * "brightness"), not its wording. Only those shared words are in the model's vocabulary; the
 * rest of a caption reads as unknown words (why, and what it measured: rl/supervised.ts
 * `captionIds`; docs/transfer.md, session 4).
 */
import { corrupt, CORRUPTIONS } from '../scenes/corrupt.js';
import type { RGBImage } from '../scenes/image.js';
import type { Rng } from '../util/rng.js';

/** What can be wrong with a photo: nothing, or one generic degradation. */
export const LOOKS = ['clean', ...CORRUPTIONS] as const;
export type Look = (typeof LOOKS)[number];

/**
 * One caption per look (written for this corpus), all of one form: what the photo needs, named
 * by the operation ("deblur", "resolution", "brightness"). Only those words are in the model's
 * vocabulary, so the form keeps every caption's remaining known words alike (measured, issue 18:
 * with the earlier, freer wording the image–word term picked the corruption kind's valid
 * enhancement less often at the demo's scale; docs/transfer.md, session 4).
 */
export const LOOK_CAPTIONS: Record<Look, string> = {
  clean: 'A photo with nothing to fix.',
  blur: 'A photo to deblur.',
  noise: 'A photo to denoise.',
  pixelate: 'A photo with too little resolution.',
  jpeg: 'A photo with JPEG compression.',
  brightness: 'A photo with too little brightness.',
  contrast: 'A photo with too little contrast.',
  saturation: 'A photo with too little color saturation.',
};

/** Severities drawn for a degraded example (scenes/corrupt.ts levels: 0 clean … 1 worst). */
export const LOOK_LEVELS = { min: 0.3, max: 1 } as const;

/** One pre-training example: `image` left clean or degraded, and the index of its look in LOOKS. */
export function degradeForCaption(image: RGBImage, rng: Rng): { image: RGBImage; look: number } {
  const look = rng.int(LOOKS.length);
  const name = LOOKS[look];
  if (name === 'clean') return { image, look };
  return { image: corrupt(image, name, rng.uniform(LOOK_LEVELS.min, LOOK_LEVELS.max), rng.int(2 ** 31)), look };
}

/**
 * Severities of label-preserving degradation (supervised stage, `mild`): low enough that the
 * object stays plain to see, so the target stays its category — data augmentation as any vision
 * model's training uses it (blur, noise, JPEG, exposure and colour jitter).
 */
export const MILD_LEVELS = { min: 0.1, max: 0.45 } as const;

/** `image` degraded by one generic pixel operation at a mild severity (its category unchanged). */
export function mildlyDegrade(image: RGBImage, rng: Rng): RGBImage {
  return corrupt(image, CORRUPTIONS[rng.int(CORRUPTIONS.length)], rng.uniform(MILD_LEVELS.min, MILD_LEVELS.max), rng.int(2 ** 31));
}
