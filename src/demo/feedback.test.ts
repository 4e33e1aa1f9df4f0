import { describe, expect, it } from 'vitest';
import { FeedbackDemoConfigSchema, rlRegime } from './feedback.js';
import { BaseRLConfigSchema } from '../rl/run.js';

describe('feedback demo: RL regimes', () => {
  it('RLHF on a learned reward pulls harder to the start than RL on the gold reward', () => {
    const cfg = FeedbackDemoConfigSchema.parse({});
    const goldKl = BaseRLConfigSchema.parse({ out: 'x', ...rlRegime(cfg, 'gold') }).klCoef;
    const rlhfKl = BaseRLConfigSchema.parse({ out: 'x', ...rlRegime(cfg, 'learned') }).klCoef;
    expect(goldKl).toBe(BaseRLConfigSchema.parse({ out: 'x' }).klCoef); // gold RL: the RL stage's own default
    expect(rlhfKl).toBe(0.2); // chosen on development seeds 10–12 (docs/feedback-rlhf.md)
    expect(rlhfKl).toBeGreaterThan(goldKl);
  });
  it('--rlhf-kl-coef reaches the RLHF runs only', () => {
    const cfg = FeedbackDemoConfigSchema.parse({ rlhfKlCoef: 0.7 });
    expect(rlRegime(cfg, 'learned')).toEqual({ klCoef: 0.7 });
    expect(rlRegime(cfg, 'gold')).toEqual({});
  });
});
