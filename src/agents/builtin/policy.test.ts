import { describe, expect, it } from 'vitest';
import { greedyOption } from './policy.js';

const logs = (ps: number[]) => ps.map(Math.log);

describe('greedy choice of the factored policy', () => {
  it('asks when P(ask) beats the likeliest category, even if no single intervention does', () => {
    // interventions 0.2 + 0.2 + 0.1 = 0.5 > best category 0.3; the single-option argmax would answer
    const row = logs([0.2, 0.2, 0.1, 0.3, 0.2]);
    expect(greedyOption(row, 3)).toBe(0);
  });
  it('answers when the likeliest category beats P(ask)', () => {
    expect(greedyOption(logs([0.1, 0.1, 0.5, 0.3]), 2)).toBe(2);
  });
  it('picks the likeliest intervention when asking, and handles rows without either kind', () => {
    expect(greedyOption(logs([0.1, 0.5, 0.4]), 2)).toBe(1);
    expect(greedyOption(logs([0.6, 0.4]), 0)).toBe(0);
    expect(greedyOption(logs([0.3, 0.7]), 2)).toBe(1);
  });
});
