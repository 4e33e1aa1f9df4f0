/** Uniformly random choice among the shown options (seeded), replying with the option's letter. */
import { optionLetter } from '../../episode/parse.js';
import type { Observation, Policy, PolicyReply } from '../policy.js';

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class RandomPolicy implements Policy {
  readonly name = 'random';
  private readonly rand: () => number;
  constructor(seed = 0) {
    this.rand = mulberry32(seed);
  }
  async act(batch: readonly Observation[]): Promise<PolicyReply[]> {
    return batch.map((o) => {
      const i = Math.floor(this.rand() * o.options.length);
      return { reply: `${optionLetter(i)}.`, optionLogProbs: o.options.map(() => -Math.log(o.options.length)) };
    });
  }
}
