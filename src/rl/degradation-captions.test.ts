import { describe, expect, it } from 'vitest';
import { suiteTexts } from '../agents/builtin/build.js';
import { tokenize, UNK, Vocab } from '../agents/builtin/vocab.js';
import { generateSuite } from '../suite/generate.js';
import { LOOK_CAPTIONS, LOOKS } from './degradation-captions.js';

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
