/** recordProblem (validate.ts): what a damaged results.jsonl line is said to hold. The CLI's messages are in src/cli/errors.test.ts. */
import { describe, expect, it } from 'vitest';
import { recordProblem } from './validate.js';

const record = { id: 'e1', kind: 'camera', outcome: 'correct', success: true, control: false, guessed: false, turns: 1, interventions: 0, ps: 0, minInterventions: 0, actions: [] };

describe('a damaged record', () => {
  it('names a number too large for a double (1e999, read as Infinity) as such, not as the null JSON.stringify writes for it', () => {
    expect(recordProblem(record)).toBeNull();
    expect(recordProblem(JSON.parse(JSON.stringify(record).replace('"ps":0', '"ps":1e999')))).toBe('the record of episode "e1" is damaged: ps Infinity (a number out of range) is not a whole number');
    expect(recordProblem({ ...record, turns: -Infinity })).toBe('the record of episode "e1" is damaged: turns -Infinity (a number out of range) is not a whole number');
    expect(recordProblem({ ...record, ps: null })).toBe('the record of episode "e1" is damaged: ps null is not a whole number');
  });
});
