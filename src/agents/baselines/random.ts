/** Uniformly random choice among the shown options (seeded), replying with the option's letter. */
import { optionLetter } from '../../episode/parse.js';
import { SceneRng } from '../../util/rng.js';
import type { Observation, Policy, PolicyReply } from '../policy.js';

export class RandomPolicy implements Policy {
  readonly name = 'random';
  private readonly rng: SceneRng;
  constructor(seed = 0) {
    this.rng = SceneRng.fromState(seed); // mulberry32 from the seed itself, as it always was
  }
  async act(batch: readonly Observation[]): Promise<PolicyReply[]> {
    return batch.map((o) => {
      const i = Math.floor(this.rng.next() * o.options.length);
      return { reply: `${optionLetter(i)}.`, optionLogProbs: o.options.map(() => -Math.log(o.options.length)) };
    });
  }
}
