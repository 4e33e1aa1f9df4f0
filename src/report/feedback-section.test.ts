import { describe, expect, it } from 'vitest';
import { fakeFeedbackResults } from '../testing/report-fixture.js';
import { feedbackSectionHtml, gaoSummary, regimeNote, type GaoPoint, type PolicyResult } from './feedback-section.js';

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

describe('the policies table', () => {
  const policy = (name: string, extra: Partial<PolicyResult>): PolicyResult => ({ name, gapClosed: { train: 0.5, unseen: 0.4, all: 0.45 }, accuracy: 0.7, overAsking: 0.09, guessRate: 0.3, psRate: 1.2, curve: [], ...extra });
  const results = (policies: PolicyResult[]) => fakeFeedbackResults(policies, { noise: 0.1, labels: [100], gaoLabels: 30, gaoKlCoef: 0, gaoUpdates: 80, rlUpdates: 40 });
  const row = (html: string, name: string) => [...html.matchAll(/<tr>(<td>[\s\S]*?)<\/tr>/g)].map((m) => [...m[1].matchAll(/<td>(.*?)<\/td>/g)].map((c) => c[1])).find((cells) => cells[0] === name)!;

  it('shows the controls abstained on beside over-asking, and "–" for a policy of a feedback.json written before it', async () => {
    const html = await feedbackSectionHtml(results([policy('gold', { controlAbstain: 0.031 }), policy('dpo-1000', {})]));
    expect(html).toContain('<th>over-asking</th><th>abstained on controls</th><th>guess rate</th>');
    expect(row(html, 'gold').slice(4, 7)).toEqual(['9.0 %', '3.1 %', '30.0 %']);
    expect(row(html, 'dpo-1000').slice(4, 7)).toEqual(['9.0 %', '–', '30.0 %']);
  });

  it('prints every missing value as the one placeholder the other reports use ("–"): the gold drop, the routing counts and the Gao settings of an older feedback.json', async () => {
    const r = fakeFeedbackResults([policy('gold', {})], { labels: [100], rlUpdates: 40 });
    r.routing.points = [{ strategy: 'all-human', budget: 1, humanLabels: 10, goldAccuracy: 0.9 }];
    const html = await feedbackSectionHtml(r);
    expect(row(html, 'gold').at(-1)).toBe('–');
    expect(row(html, 'all-human').slice(3, 5)).toEqual(['–', '–']);
    expect(html).toContain('both reward models from – labels (sampled order), KL coefficient –, – updates');
    expect(html).not.toContain('—</td>');
  });
});
