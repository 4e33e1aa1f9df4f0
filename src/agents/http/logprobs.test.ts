import { describe, expect, it } from 'vitest';
import { optionLogProbs, tokenOption } from './logprobs.js';

const opts = ['Move the block to the left.', 'Move the block to the right.', 'I cannot answer this question.', 'circle', 'square'];

describe('option scores from first-token logprobs', () => {
  it('maps letters and unique text prefixes to options', () => {
    expect(tokenOption('B', opts)).toBe(1);
    expect(tokenOption(' D.', opts)).toBe(3);
    expect(tokenOption('(E)', opts)).toBe(4);
    expect(tokenOption('circ', opts)).toBe(3);
    expect(tokenOption('Move', opts)).toBe(-1); // ambiguous
    expect(tokenOption('Z', opts)).toBe(-1);
    expect(tokenOption('a', opts)).toBe(-1); // lower-case single letters are words, not letters
  });
  it('sums mass per option and shares the rest among unnamed options; total ≤ 1', () => {
    const lp = optionLogProbs(
      [
        { token: 'A', logprob: Math.log(0.5) },
        { token: ' A', logprob: Math.log(0.1) },
        { token: 'D', logprob: Math.log(0.2) },
        { token: 'The', logprob: Math.log(0.1) },
      ],
      opts,
    )!;
    expect(Math.exp(lp[0])).toBeCloseTo(0.6);
    expect(Math.exp(lp[3])).toBeCloseTo(0.2);
    for (const i of [1, 2, 4]) expect(Math.exp(lp[i])).toBeCloseTo(0.2 / 3);
    expect(lp.reduce((s, x) => s + Math.exp(x), 0)).toBeLessThanOrEqual(1 + 1e-9);
  });
  it('gives nothing when no alternative names an option', () => {
    expect(optionLogProbs([{ token: 'Hello', logprob: -0.1 }], opts)).toBeUndefined();
    expect(optionLogProbs(undefined, opts)).toBeUndefined();
  });
  it('stays finite when the named mass is ~1', () => {
    const lp = optionLogProbs([{ token: 'B', logprob: 0 }], opts)!;
    expect(lp.every(Number.isFinite)).toBe(true);
    expect(lp[1]).toBe(0);
  });
});
