/**
 * Uniformly random choice among the shown options (seeded), replying with the option's letter. Each reply is drawn
 * from its own stream per (seed, episode, turn) (agents/sample-stream.ts), so it does not depend on which episodes
 * were played before it or beside it: a resumed evaluation gives the records of an uninterrupted one, and serving it
 * to concurrent requests gives the replies it gives in process.
 */
import { optionLetter } from '../../episode/parse.js';
import type { Observation, Policy, PolicyReply } from '../policy.js';
import { sampleStream } from '../sample-stream.js';

export class RandomPolicy implements Policy {
  readonly name = 'random';
  constructor(private readonly seed = 0) {}
  async act(batch: readonly Observation[]): Promise<PolicyReply[]> {
    return batch.map((o) => {
      const i = sampleStream(this.seed, o).int(o.options.length);
      return { reply: `${optionLetter(i)}.`, optionLogProbs: o.options.map(() => -Math.log(o.options.length)) };
    });
  }
}
