/**
 * Always answer, never ask: names the shown category that best matches the current view by a
 * simple non-learned heuristic — overlap between the view's object-like pixels and each
 * category's silhouette template (templates.ts). The "guessing" baseline.
 */
import { guessCategory } from './templates.js';
import type { Observation, Policy, PolicyReply } from '../policy.js';

export class AlwaysAnswerPolicy implements Policy {
  readonly name = 'always-answer';
  async act(batch: readonly Observation[]): Promise<PolicyReply[]> {
    return batch.map((o) => {
      const categories = o.options.slice(o.numInterventions);
      return { reply: categories[guessCategory(o.image, categories)] };
    });
  }
}
