/** eval/paired.ts on hand-computed cases: the paired differences and their bootstrap intervals. */
import { describe, expect, it } from 'vitest';
import { ASK, coreRecord as rec } from '../testing/core-record.js';
import { pairedDifferences, recordsById } from './paired.js';

describe('pairedDifferences', () => {
  it('A − B on every figure; the interval of a difference that is the same on every episode is that difference', () => {
    const ids = ['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'b2', 'b3'];
    // A: right on all 8, one intervention each; B: right on a0 and b0 only, none asked
    const a = ids.map((id) => rec(id, id[0], true, { ps: 1 }));
    const b = ids.map((id) => rec(id, id[0], id.endsWith('0'))).reverse(); // paired by id, not by place
    const d = pairedDifferences(a, b);
    expect(d.episodes).toBe(8);
    expect(d.accuracy.diff).toBe(6 / 8);
    expect(d.psRate).toEqual({ diff: 1, low: 1, high: 1 }); // +1 on every episode: every resample's mean is 1
    expect(d.overAsking).toEqual({ diff: null, low: null, high: null }); // no control episode
    // accuracy: each kind resampled within itself, 3 of its 4 episodes +1, one 0: between 0 and 1, around 0.75
    expect(d.accuracy.low!).toBeGreaterThanOrEqual(0.25);
    expect(d.accuracy.low!).toBeLessThan(0.75);
    expect(d.accuracy.high!).toBeGreaterThan(0.75);
    expect(d.accuracy.high!).toBeLessThanOrEqual(1);
    expect(pairedDifferences(a, b)).toEqual(d); // seeded: the same intervals every time
    expect(pairedDifferences(a, recordsById(b))).toEqual(d); // B by id, built once by a caller pairing it with several runs
    // paired by id: both ask once on a0 and a1 and never elsewhere, so the difference is 0 on every episode
    const asks = (x: typeof a) => x.map((r) => rec(r.id, r.kind, r.success, { ps: r.id === 'a0' || r.id === 'a1' ? 1 : 0 }));
    expect(pairedDifferences(asks(a), asks(b)).psRate).toEqual({ diff: 0, low: 0, high: 0 });
  });

  it('over-asking over the controls only: A asked on one of two controls, B on none', () => {
    const a = [rec('c1', 'k', true, { control: true, first: ASK, ps: 1 }), rec('c2', 'k', true, { control: true }), rec('x', 'k', false, { first: ASK })];
    const b = [rec('c1', 'k', true, { control: true }), rec('c2', 'k', true, { control: true }), rec('x', 'k', false)];
    const d = pairedDifferences(a, b);
    expect(d.overAsking.diff).toBe(0.5); // (1 − 0) / 2 controls; the non-control episode's ask is not over-asking
    expect(d.overAsking.low!).toBeGreaterThanOrEqual(0);
    expect(d.overAsking.high!).toBeLessThanOrEqual(1);
  });

  it('runs of other episodes are an error', () => {
    expect(() => pairedDifferences([rec('x', 'k', true)], [rec('y', 'k', true)])).toThrow(/no record of episode x/);
    expect(() => pairedDifferences([rec('x', 'k', true)], [rec('x', 'k', true), rec('y', 'k', true)])).toThrow(/1 episodes against 2/);
  });
});
