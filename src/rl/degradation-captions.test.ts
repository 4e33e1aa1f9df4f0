import { describe, expect, it } from 'vitest';
import { suiteTexts } from '../agents/builtin/build.js';
import { tokenize, UNK, Vocab } from '../agents/builtin/vocab.js';
import { generateSuite } from '../suite/generate.js';
import { Rng } from '../util/rng.js';
import type { RGBImage } from '../scenes/image.js';
import { LOOK_CAPTIONS, LOOKS, MILD_LEVELS, mildlyDegrade } from './degradation-captions.js';

/** A 32×32 test image: a pattern in `colour` on a mid-grey background. */
function picture(colour: [number, number, number]): RGBImage {
  const data = new Uint8Array(32 * 32 * 3);
  for (let y = 0; y < 32; y++)
    for (let x = 0; x < 32; x++) {
      const on = (x >> 2) % 2 === (y >> 2) % 2;
      data.set(on ? colour : [128, 128, 128], (y * 32 + x) * 3);
    }
  return { width: 32, height: 32, data };
}
const mean = (im: RGBImage) => im.data.reduce((a, v) => a + v, 0) / im.data.length;

describe('the degradation captions', () => {
  it('differ only in the words that name the operation: besides the frame (a, with, to), every word the model knows is a word of an intervention text', () => {
    // The model's vocabulary is the suite's, so a caption's other words read as the one unknown-word
    // id; captions whose known words differ beyond the operation's name (e.g. "… deblur it to sharpen
    // it" against "… denoise it") let the image–word term learn those instead (docs/transfer.md, session 4).
    const eps = generateSuite({ episodes: 40, seed: 1, size: 32 }); // enough for every corruption's option text
    const vocab = Vocab.fromTexts(suiteTexts(eps));
    const optionWords = new Set(eps.flatMap((e) => e.interventions.flatMap((t) => tokenize(t))));
    const FRAME = new Set(['a', 'with', 'to']);
    for (const look of LOOKS) {
      const known = tokenize(LOOK_CAPTIONS[look]).filter((w) => vocab.id(w) !== UNK && !FRAME.has(w));
      expect(known.filter((w) => !optionWords.has(w)), look).toEqual([]);
      if (look !== 'clean') expect(known.length, `${look} names its operation`).toBeGreaterThan(0);
    }
  });
});

describe('label-preserving mild degradation (issue 18, session 10)', () => {
  it('keeps the object plain to see: darkening keeps more than 15 % of the brightness', () => {
    const im = picture([250, 40, 40]);
    const rng = new Rng(9);
    for (let n = 0; n < 100; n++) {
      const out = mildlyDegrade(im, rng);
      expect(out.width).toBe(32);
      expect(mean(out) / mean(im)).toBeGreaterThan(Math.exp(-4.2 * MILD_LEVELS.max) - 0.01);
    }
  });
});
