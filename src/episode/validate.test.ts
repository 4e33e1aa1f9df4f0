/** recordProblem (validate.ts): what a damaged results.jsonl line is said to hold. The CLI's messages are in src/cli/errors.test.ts. */
import { describe, expect, it } from 'vitest';
import { episodeProblems, recordProblem } from './validate.js';
import type { Episode } from './types.js';

const record = { id: 'e1', kind: 'camera', outcome: 'correct', success: true, control: false, guessed: false, turns: 1, interventions: 0, ps: 0, minInterventions: 0, actions: [] };

describe('a damaged record', () => {
  it('names a number too large for a double (1e999, read as Infinity) as such, not as the null JSON.stringify writes for it', () => {
    expect(recordProblem(record)).toBeNull();
    expect(recordProblem(JSON.parse(JSON.stringify(record).replace('"ps":0', '"ps":1e999')))).toBe('the record of episode "e1" is damaged: ps Infinity (a number out of range) is not a whole number');
    expect(recordProblem({ ...record, turns: -Infinity })).toBe('the record of episode "e1" is damaged: turns -Infinity (a number out of range) is not a whole number');
    expect(recordProblem({ ...record, ps: null })).toBe('the record of episode "e1" is damaged: ps null is not a whole number');
  });
});

describe('an episode with no views', () => {
  it('says it has no views where a view index is wanted (was: "(it must be a view index (0..-1))")', () => {
    const ep = { id: 'e1', kind: 'camera', question: 'q', views: [], firstView: 0, referenceView: undefined, categories: ['a', 'b'], answer: 0, interventions: [], abstain: [], steps: [] } as unknown as Episode;
    const problems = episodeProblems(ep);
    expect(problems).toContain('views must be a non-empty array');
    expect(problems).toContain('firstView 0 is not a view index, and the episode has no views');
    expect(problems).toContain('referenceView is missing (it must be a view index, and the episode has no views)');
    expect(problems.join('\n')).not.toContain('0..-1');
  });
});
