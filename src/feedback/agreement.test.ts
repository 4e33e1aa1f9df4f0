import { describe, expect, it } from 'vitest';
import { cohenKappa, fleissKappa, taskAgreement, unitAgreement } from './agreement.js';

describe('agreement', () => {
  it("Cohen's κ: the textbook 2×2 example (20/5/10/15 → κ = 0.4)", () => {
    const a: string[] = [];
    const b: string[] = [];
    const push = (x: string, y: string, n: number) => {
      for (let i = 0; i < n; i++) {
        a.push(x);
        b.push(y);
      }
    };
    push('yes', 'yes', 20);
    push('yes', 'no', 5);
    push('no', 'yes', 10);
    push('no', 'no', 15);
    const r = cohenKappa(a, b);
    expect(r.observed).toBeCloseTo(0.7, 10);
    expect(r.expected).toBeCloseTo(0.5, 10);
    expect(r.kappa).toBeCloseTo(0.4, 10);
  });

  it("Cohen's κ: perfect agreement is 1, systematic disagreement is negative", () => {
    expect(cohenKappa(['a', 'b', 'a'], ['a', 'b', 'a']).kappa).toBe(1);
    expect(cohenKappa(['a', 'b', 'a', 'b'], ['b', 'a', 'b', 'a']).kappa).toBeCloseTo(-1, 10);
  });

  it("Fleiss' κ: Fleiss (1971) / Wikipedia example, 10 subjects × 14 raters → κ ≈ 0.210", () => {
    const m = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    const r = fleissKappa(m);
    expect(r.observed).toBeCloseTo(0.378, 3);
    expect(r.expected).toBeCloseTo(0.213, 3);
    expect(r.kappa).toBeCloseTo(0.21, 2);
  });

  it("Fleiss' κ rejects units with different rater counts", () => {
    expect(() => fleissKappa([[1, 1], [3, 0]])).toThrow(/same number/);
  });

  it('picks Cohen for two raters and Fleiss for three', () => {
    const two = unitAgreement('x', [
      { id: '1', ratings: [{ rater: 1, value: 'a' }, { rater: 2, value: 'a' }] },
      { id: '2', ratings: [{ rater: 1, value: 'b' }, { rater: 2, value: 'a' }] },
    ]);
    expect(two.measure).toBe('cohen');
    const three = unitAgreement('x', [
      { id: '1', ratings: [{ rater: 1, value: 'a' }, { rater: 2, value: 'a' }, { rater: 3, value: 'a' }] },
      { id: '2', ratings: [{ rater: 1, value: 'b' }, { rater: 2, value: 'b' }, { rater: 3, value: 'a' }] },
    ]);
    expect(three.measure).toBe('fleiss');
    expect(three.units).toBe(2);
  });

  it('splits rationale labels into one accept/reject unit per shown rationale', () => {
    const payload = { answer: 'x', rationales: ['r0', 'r1', 'r2'] };
    const rep = taskAgreement([
      { taskId: 1, annotatorId: 1, type: 'rationale', payload, label: { accepted: [0, 2] } },
      { taskId: 1, annotatorId: 2, type: 'rationale', payload, label: { accepted: [0] } },
    ]);
    expect(rep).toHaveLength(1);
    expect(rep[0].units).toBe(3);
    expect(rep[0].observed).toBeCloseTo(2 / 3, 10);
  });
});
