import { describe, expect, it } from 'vitest';
import { rlSplits, rlSplitsYielding, supervisedSuite, supervisedSuiteYielding } from './splits.js';
import { turnsBetweenSteps } from '../testing/turns.js';

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

describe('the suites train and the demos draw', () => {
  it('are drawn a turn of the event loop at a time (Ctrl-C heard between episodes), the same episodes as drawn at once', async () => {
    const rl = { episodes: 6, seed: 5, kinds: ['sketch', 'camera'] as const };
    let drawn: Awaited<ReturnType<typeof rlSplitsYielding>> | undefined;
    const turns = await turnsBetweenSteps(async (onStep) => (drawn = await rlSplitsYielding({ ...rl, kinds: [...rl.kinds] }, onStep)));
    expect(turns.length).toBeGreaterThan(10);
    expect(turns.every(Boolean)).toBe(true);
    expect(JSON.stringify(drawn)).toBe(JSON.stringify(rlSplits({ ...rl, kinds: [...rl.kinds] })));
    let sup: unknown;
    const supTurns = await turnsBetweenSteps(async (onStep) => (sup = await supervisedSuiteYielding({ episodes: 2, seed: 9 }, onStep)));
    expect(supTurns.every(Boolean)).toBe(true);
    expect(JSON.stringify(sup)).toBe(JSON.stringify(supervisedSuite({ episodes: 2, seed: 9 })));
  });
});
