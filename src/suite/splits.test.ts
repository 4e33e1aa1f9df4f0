import { describe, expect, it } from 'vitest';
import { rlSplits } from './splits.js';

describe('RL splits', () => {
  it("the training suite's share of controls is the suite's default unless given", () => {
    const controls = (s: { train: { control?: boolean; kind: string }[] }, kind: string) => s.train.filter((e) => e.kind === kind && e.control).length;
    const base = rlSplits({ episodes: 20, seed: 3, kinds: ['sketch', 'camera'] });
    const more = rlSplits({ episodes: 20, seed: 3, kinds: ['sketch', 'camera'], controlShare: 0.35 });
    for (const k of ['sketch', 'camera']) {
      expect(controls(base, k)).toBe(3); // round(20 · 0.15)
      expect(controls(more, k)).toBe(7); // round(20 · 0.35)
    }
    expect(more.val.map((e) => e.id)).toEqual(base.val.map((e) => e.id)); // validation suite unchanged
  });
});
