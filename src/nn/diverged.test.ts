/** The divergence checks of every trainer (diverged.ts); real diverged runs are in src/rl/diverged.test.ts and src/feedback/illume.test.ts. */
import { describe, expect, it } from 'vitest';
import { stopIfDiverged, stopIfWeightsDiverged } from './diverged.js';
import { tensor } from './tensor.js';

describe('the checks themselves', () => {
  it('pass finite values, and refuse NaN and ±∞ in a loss or in any weight', () => {
    const at = { stage: 'x', unit: 'step' as const, index: 3 };
    expect(() => stopIfDiverged(0.5, at)).not.toThrow();
    for (const bad of [NaN, Infinity, -Infinity]) expect(() => stopIfDiverged(bad, at)).toThrow(new RegExp(`^x: the loss is ${bad} at step 3`));
    let closed = 0;
    expect(() => stopIfWeightsDiverged([tensor(Float32Array.of(1, 2), [2]), tensor(Float32Array.of(3, NaN), [2])], { ...at, close: () => closed++ })).toThrow(/^x: the weights hold NaN after step 3: .*stopped there without saving them/);
    expect(closed).toBe(1);
    expect(() => stopIfWeightsDiverged([tensor(Float32Array.of(1, 2), [2])], at)).not.toThrow();
  });
});
