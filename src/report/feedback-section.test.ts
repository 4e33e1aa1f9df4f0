import { describe, expect, it } from 'vitest';
import { gaoSummary, regimeNote, type GaoPoint } from './feedback-section.js';

const curve = (gold: number[]): GaoPoint[] => gold.map((g, i) => ({ update: i + 1, kl: i * 0.01, proxy: i * 0.1, gold: g, evalAccuracy: null }));

describe('gaoSummary (over-optimisation along a training curve)', () => {
  it('measures how far the gold reward fell from its peak while the proxy rose', () => {
    const g = gaoSummary(curve([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.4, 0.3, 0.2, 0.1, 0, -0.1, -0.2]))!;
    expect(g.goldDrop).toBeGreaterThan(0.4);
    expect(g.peakGold).toBeCloseTo((0.3 + 0.4 + 0.5 + 0.5 + 0.4) / 5, 6);
    expect(g.proxyRise).toBeCloseTo(0.9, 6);
    expect(g.finalKl).toBeCloseTo((0.09 + 0.1 + 0.11 + 0.12 + 0.13) / 5, 6);
  });

  it('is zero for a gold reward that keeps rising, and null for a curve shorter than its window', () => {
    expect(gaoSummary(curve([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]))!.goldDrop).toBe(0);
    expect(gaoSummary(curve([0, 0.1]))).toBeNull();
  });
});

describe('regimeNote (the report says which KL each run had)', () => {
  it('names the RLHF runs\' own KL coefficient beside gold RL\'s default, and keeps older results\' wording', () => {
    const base = { gaoLabels: 30, labelOrder: 'coverage', gaoKlCoef: 0, gaoUpdates: 80, rlUpdates: 40 };
    expect(regimeNote({ ...base, rlhfKlCoef: 0.2 })).toMatch(/RL on the gold reward at the RL stage’s default KL coefficient, the other RLHF runs at 0\.2\./);
    expect(regimeNote(base)).toMatch(/every other RL run: 40 updates at the RL stage’s default KL coefficient\./);
  });
});
