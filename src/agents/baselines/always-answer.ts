/**
 * Always answer, never ask: names the shown category that best matches the current view by a
 * simple non-learned heuristic — overlap between the view's object-like pixels and each
 * category's silhouette template (templates.ts). The "guessing" baseline. Asked whether a
 * category is in the image (the presence probe), it never says "I cannot tell": yes when the
 * category is among the `PRESENCE_TOP` its templates match best, else no.
 */
import { guessCategory, templateScores } from './templates.js';
import { CATEGORIES } from '../../scenes/shapes.js';
import { presenceCategory } from '../builtin/presence.js';
import { PRESENCE_NO, PRESENCE_YES } from '../../episode/presence.js';
import type { Observation, Policy, PolicyReply } from '../policy.js';

/** How many best-matching categories the presence answer says yes to (scenes hold 1–3 objects). */
export const PRESENCE_TOP = 2;

export class AlwaysAnswerPolicy implements Policy {
  readonly name = 'always-answer';
  async act(batch: readonly Observation[]): Promise<PolicyReply[]> {
    return batch.map((o) => {
      const asked = presenceCategory(o);
      if (asked !== null) {
        const s = templateScores(o.image);
        const k = CATEGORIES.indexOf(asked);
        const rank = k < 0 ? Infinity : s.filter((v) => v > s[k]).length;
        return { reply: rank < PRESENCE_TOP ? PRESENCE_YES : PRESENCE_NO };
      }
      const categories = o.options.slice(o.numInterventions);
      return { reply: categories[guessCategory(o.image, categories)] };
    });
  }
}
