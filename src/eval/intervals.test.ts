import { describe, expect, it } from 'vitest';
import { summarize } from '../episode/metrics.js';
import type { EpisodeRecord } from '../episode/types.js';
import { meanInterval95 } from '../util/stats.js';
import { intervalSummary, psInterval, rateIntervals } from './intervals.js';

/** A finished episode record: `ps` suggestions, then an answer (right or not). */
function rec(id: string, o: { kind?: string; ps?: number; success?: boolean; control?: boolean; variant?: string; asked?: boolean; abstained?: boolean } = {}): EpisodeRecord {
  const ps = o.ps ?? 0;
  const move = { type: 'intervention' as const, option: 0, intervention: 0, valid: true };
  const answer = o.abstained ? { type: 'abstain' as const, option: 2, intervention: 2 } : { type: 'category' as const, option: 1, category: 0, correct: !!o.success };
  const actions: EpisodeRecord['actions'] = [...Array<typeof move>(ps).fill(move), answer];
  if (o.asked && ps === 0) actions.unshift(move);
  return {
    id, kind: o.kind ?? 'sketch', mode: 'proactive', control: !!o.control, success: !!o.success, outcome: o.abstained ? 'abstain' : o.success ? 'correct' : 'wrong-category',
    turns: actions.length, interventions: actions.length - 1, ps: actions.length - 1, minInterventions: 1, guessed: false,
    ...(o.variant ? { variant: o.variant } : {}), replies: actions.map(() => 'x'), actions, views: actions.map((_, i) => i),
  };
}

describe('ps-rate interval', () => {
  it('never reaches below 0: a mean of suggestion counts cannot', () => {
    const ps = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    expect(meanInterval95(ps).ci95!.low).toBeLessThan(0); // the symmetric t interval does
    const iv = psInterval(ps);
    expect(iv.ci95!.low).toBe(0);
    expect(iv.ci95!.high).toBe(meanInterval95(ps).ci95!.high);
    expect(rateIntervals(ps.map((p, i) => rec(`e${i}`, { ps: p }))).psRate.ci95!.low).toBe(0);
  });
  it('is marked clipped when cut, as the seed aggregates\' intervals are: two episodes, 0 and 1 suggestion, reach 0.5 ± 6.35', () => {
    const iv = psInterval([0, 1]);
    expect(iv.mean).toBe(0.5); // the mean is not moved
    expect(iv.ci95).toEqual({ low: 0, high: expect.closeTo(0.5 + 12.706204736174705 * Math.SQRT1_2 / Math.SQRT2, 12), halfWidth: expect.closeTo(6.353102368087353, 12), clipped: true });
    expect(psInterval([1, 2, 3, 2]).ci95!.clipped).toBeUndefined();
  });
  it('is the t interval when it stays above 0, and none for fewer than two episodes', () => {
    expect(psInterval([1, 2, 3, 2])).toEqual(meanInterval95([1, 2, 3, 2]));
    expect(psInterval([2]).ci95).toBeNull();
    expect(psInterval([]).mean).toBeNull();
  });
});

describe('rate intervals', () => {
  it('an all-control run: over-asking over every episode, accuracy off the controls undefined', () => {
    const recs = [rec('a', { control: true, asked: true }), rec('b', { control: true, success: true }), rec('c', { control: true, success: true })];
    const iv = rateIntervals(recs);
    expect(iv.overAsking).toMatchObject({ k: 1, n: 3 });
    expect(iv.accuracyNonControl).toMatchObject({ n: 0, rate: null, low: null, high: null });
    expect(iv.accuracy).toMatchObject({ k: 2, n: 3 });
  });
  it('abstaining at once on a control has its own interval beside over-asking; asking first and abstaining later is over-asking only', () => {
    const recs = [
      rec('a', { control: true, abstained: true }),
      rec('b', { control: true, asked: true, abstained: true }),
      rec('c', { control: true, success: true }),
      rec('d', { control: true, success: true }),
      rec('e', { abstained: true }),
    ];
    const iv = rateIntervals(recs);
    expect(iv.controlAbstain).toMatchObject({ k: 1, n: 4, rate: 1 / 4 });
    expect(iv.overAsking).toMatchObject({ k: 1, n: 4 });
    expect(iv.abstainRate).toMatchObject({ k: 3, n: 5 });
    expect(iv.controlAbstain.rate).toBe(summarize(recs).controlAbstain);
    expect(rateIntervals(recs.slice(4)).controlAbstain).toMatchObject({ n: 0, rate: null });
  });
  it('Wilson bounds are exactly 0 and 1 at k = 0 and k = n', () => {
    const none = rateIntervals([rec('a'), rec('b')]).accuracy;
    expect(none).toMatchObject({ k: 0, n: 2, rate: 0, low: 0 });
    const all = rateIntervals([rec('a', { success: true }), rec('b', { success: true })]).accuracy;
    expect(all).toMatchObject({ k: 2, n: 2, rate: 1, high: 1 });
  });
  it('the guess rate is over the episodes whose last view\u2019s informativeness is known: none, no interval', () => {
    const unknown = (id: string) => ({ ...rec(id), informative: [null] });
    expect(rateIntervals([unknown('a'), unknown('b')]).guessRate).toMatchObject({ k: 0, n: 0, rate: null });
    const guess = { ...rec('c'), guessed: true, informative: [false] };
    expect(rateIntervals([unknown('a'), guess]).guessRate).toMatchObject({ k: 1, n: 1, rate: 1 });
  });
  it('groups per kind and per variant exactly as summarize does', () => {
    const recs = [rec('a', { kind: 'corruption', variant: 'blur', success: true }), rec('b', { kind: 'corruption', variant: 'noise' }), rec('c', { kind: 'sketch', success: true })];
    const iv = intervalSummary(recs);
    const s = summarize(recs);
    expect(Object.keys(iv.byKind)).toEqual(Object.keys(s.byKind));
    expect(Object.keys(iv.byVariant!)).toEqual(Object.keys(s.byVariant!));
    for (const [k, m] of Object.entries(s.byVariant!)) expect(iv.byVariant![k].accuracy.rate).toBe(m.accuracy);
    expect(intervalSummary(recs.slice(2)).byVariant).toBeUndefined();
  });
});
