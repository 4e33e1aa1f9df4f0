import { describe, expect, it } from 'vitest';
import { pairMetrics } from '../rl/reward-model.js';
import { rewardSummary } from './train-feedback.js';

describe('train reward: the closing line', () => {
  const train = pairMetrics([
    { ra: 1, rb: 0, preferred: 0, pairId: 'p1', ga: 1, gb: 0 },
    { ra: 0, rb: 1, preferred: 0, pairId: 'p2', ga: 0, gb: 1 },
  ]);

  it('says "no held-out pairs" with --held-out 0, never NaN', () => {
    const line = rewardSummary({ variant: 'plain', labels: 2, pairs: 2, train, heldOut: pairMetrics([]), finalLoss: 0.5 }, 'runs/rm');
    expect(line).toMatch(/^reward model \(plain\) from 2 labels on 2 pairs: no held-out pairs \(--held-out 0 or too few pairs\)/);
    expect(line).toMatch(/model: runs\/rm\/final, metrics: runs\/rm\/metrics\.json$/);
    expect(line).not.toMatch(/NaN/);
  });

  it('gives held-out accuracy, gold accuracy (when there are gold pairs), ECE and Brier', () => {
    expect(rewardSummary({ variant: 'fact', labels: 4, pairs: 3, train, heldOut: train, finalLoss: 0.5 }, 'o')).toMatch(
      /: held-out accuracy 50\.0% on 2 labels \(gold 100\.0%\), ECE \d\.\d{3}, Brier \d\.\d{3}; model: o\/final/,
    );
    const noGold = pairMetrics([{ ra: 1, rb: 0, preferred: 0, pairId: 'p1' }]);
    const line = rewardSummary({ variant: 'plain', labels: 1, pairs: 1, train: noGold, heldOut: noGold, finalLoss: 0 }, 'o');
    expect(line).toMatch(/held-out accuracy 100\.0% on 1 labels, ECE/);
    expect(line).not.toMatch(/NaN|gold/);
  });
});
