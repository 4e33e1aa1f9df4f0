import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DemoConfigSchema } from '../demo/config.js';
import { RL_TRAINERS } from '../rl/algorithms.js';
import { RL_ALGORITHMS, isRLAlgorithm } from '../rl/configs.js';
import { ALGORITHMS, RLStageSchema } from './train-schema.js';

// The RL algorithms are one list (rl/configs.ts RL_ALGORITHM_CONFIGS); every place that takes or runs one reads it
// (docs/extending.md, "A new RL algorithm"). Before, 'grpo' | 'ppo' was written out in seven places.
describe('the RL algorithms', () => {
  it('train rl --algorithm, demo --algorithm, the per-algorithm options and the trainers all name the same list', () => {
    expect(RL_ALGORITHMS).toEqual(['grpo', 'ppo']);
    expect((RLStageSchema.shape.algorithm as unknown as typeof DemoConfigSchema.shape.algorithm).unwrap().options).toEqual(RL_ALGORITHMS);
    expect(DemoConfigSchema.shape.algorithm.unwrap().options).toEqual(RL_ALGORITHMS);
    expect(Object.keys(ALGORITHMS)).toEqual(RL_ALGORITHMS);
    expect(Object.keys(RL_TRAINERS)).toEqual(RL_ALGORITHMS);
  });

  it("docs/extending.md opens and ends a trainer as grpo.ts and ppo.ts do, and quotes this file's list as it is", () => {
    const root = join(import.meta.dirname, '..', '..');
    const page = readFileSync(join(root, 'docs', 'extending.md'), 'utf8').replace(/\n\s+/g, ' ');
    const opens = /`(const run = await new RLRun\([^`]*)`/.exec(page)?.[1]; // it once showed `new RLRun(…)` without `.init()`
    const ends = /`(return run\.finish\([^`]*)`/.exec(page)?.[1];
    expect(opens).toBeDefined();
    expect(ends).toBeDefined();
    for (const a of RL_ALGORITHMS) {
      const trainer = readFileSync(join(root, 'src', 'rl', `${a}.ts`), 'utf8');
      expect(trainer).toContain(opens!.replaceAll('<name>', a));
      expect(trainer).toContain(ends!.replaceAll('<name>', a));
    }
    const quoted = /first test expects \(`([^`]*)`\)/.exec(page)?.[1];
    expect(quoted).toBeDefined();
    expect(readFileSync(join(import.meta.dirname, 'rl-algorithms.test.ts'), 'utf8')).toContain(quoted);
  });

  it('a name read back from a file is an algorithm only when it is in the list', () => {
    for (const a of RL_ALGORITHMS) expect(isRLAlgorithm(a)).toBe(true);
    for (const x of ['GRPO', 'toString', '', 1, null, undefined]) expect(isRLAlgorithm(x)).toBe(false);
  });
});
