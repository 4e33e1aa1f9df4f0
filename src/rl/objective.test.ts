import { describe, expect, it } from 'vitest';
import { tensor } from '../nn/index.js';
import { chainEpisode } from '../testing/chain-episode.js';
import { turnSample as sample } from '../testing/turn-sample.js';
import { askCanHelp, clippedSurrogate, expectedValidity, factoredClippedLoss, klFromLogits } from './objective.js';

describe('the clipped objective (objective.ts)', () => {
  it('clipped surrogate caps the gain of a large ratio for positive advantages and keeps the loss of negative ones', () => {
    expect(clippedSurrogate(1.5, 1, 0.2)).toBeCloseTo(1.2);
    expect(clippedSurrogate(0.5, 1, 0.2)).toBeCloseTo(0.5);
    expect(clippedSurrogate(1.5, -1, 0.2)).toBeCloseTo(-1.5);
    expect(clippedSurrogate(0.5, -1, 0.2)).toBeCloseTo(-0.8);
  });
  it('KL is zero for equal distributions and positive otherwise', () => {
    const p = [Math.log(0.5), Math.log(0.5)];
    expect(klFromLogits(p, p)).toBeCloseTo(0);
    expect(klFromLogits(p, [Math.log(0.9), Math.log(0.1)])).toBeGreaterThan(0.3);
  });
  it('expected validity is the share of the intervention probability on valid interventions', () => {
    const row = Float32Array.from([0.1, 0.3, 0.4, 0.2], Math.log);
    expect(expectedValidity(row, [1, 0, 0, 0], 2)).toBeCloseTo(0.25);
    expect(expectedValidity(row, [1, 1, 0, 0], 2)).toBeCloseTo(1);
    expect(expectedValidity(row, [0, 0, 0, 0], 2)).toBe(0);
  });
  it('with no advantage, KL or entropy, the loss is −log of the scalar expectedValidity (the tensor form agrees with its twin)', () => {
    const row = Float32Array.from([0.1, 0.3, 0.4, 0.2], Math.log);
    const s = sample({ action: 2, parsed: { type: 'category', option: 2, category: 0, correct: true }, valid: Uint8Array.of(1, 0, 0, 0) });
    const { loss } = factoredClippedLoss(tensor(row, [1, 4], true), Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [s], Float32Array.of(0), { clipEps: 0.2, klCoef: 0, entropyCoef: 0, whichCoef: 1 });
    expect(loss.item()).toBeCloseTo(-Math.log(expectedValidity(row, s.valid, 2)), 5);
  });
  it('the validity term raises a valid intervention the policy did not choose, without moving P(ask)', () => {
    // the policy answered a category (no advantage); option 1 is the valid intervention, option 0 is not
    const logp = tensor(Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [1, 4], true);
    const answered = sample({ action: 2, parsed: { type: 'category', option: 2, category: 0, correct: true }, valid: Uint8Array.of(0, 1, 0, 0) });
    const { loss } = factoredClippedLoss(logp, Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [answered], Float32Array.of(0), { clipEps: 0.2, klCoef: 0, entropyCoef: 0, whichCoef: 1 });
    loss.backward();
    const g = logp.grad!;
    expect(g[1]).toBeLessThan(-0.1); // descending the loss raises the valid one
    expect(g[0]).toBeGreaterThan(0.1); // … and lowers the invalid one
    expect(g[0] + g[1]).toBeCloseTo(0, 5); // P(ask) does not move
    // with nothing valid on offer there is nothing to learn from
    const none = tensor(Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [1, 4], true);
    factoredClippedLoss(none, Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [{ ...answered, valid: new Uint8Array(4) }], Float32Array.of(0), { clipEps: 0.2, klCoef: 0, entropyCoef: 0, whichCoef: 1 }).loss.backward();
    expect(Array.from(none.grad!).every((v) => Math.abs(v) < 1e-6)).toBe(true);
  });
  it('a positive advantage pushes the chosen option up (gradient sign)', () => {
    const logp = tensor(Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [1, 4], true);
    const { loss } = factoredClippedLoss(logp, Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [sample({})], Float32Array.of(1), { clipEps: 0.2, klCoef: 0, entropyCoef: 0, whichCoef: 1 });
    loss.backward();
    expect(logp.grad![0]).toBeLessThan(0); // descending the loss raises log π(ask)
  });
  it('a failed ask blames the choice where a valid intervention was offered, and the decision to ask where none was', () => {
    // chainEpisode: views 0 and 1 offer a valid move, the last view (2) offers none
    expect(askCanHelp({ episode: chainEpisode('a'), view: 0 })).toBe(true);
    expect(askCanHelp({ episode: chainEpisode('a'), view: 2 })).toBe(false);
    const pushOnAsk = (view: number) => {
      const logp = tensor(Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [1, 4], true);
      const abstained = sample({ view, action: 1, parsed: { type: 'abstain', option: 1, intervention: 1 } });
      const { loss } = factoredClippedLoss(logp, Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [abstained], Float32Array.of(-1), { clipEps: 0.2, klCoef: 0, entropyCoef: 0, whichCoef: 1 });
      loss.backward();
      return logp.grad![0] + logp.grad![1]; // > 0: descending the loss lowers P(ask)
    };
    expect(pushOnAsk(0)).toBeCloseTo(0, 5); // only the choice among interventions moves
    expect(pushOnAsk(2)).toBeGreaterThan(0.5); // asking itself is discouraged
  });
});
