import { describe, expect, it } from 'vitest';
import { tensor } from '../nn/index.js';
import { chainEpisode } from '../testing/chain-episode.js';
import { tmpDir } from '../testing/tmp.js';
import { newBuiltin } from '../agents/builtin/build.js';
import type { SuiteEpisode } from '../suite/types.js';
import { askCanHelp, clippedSurrogate, expectedValidity, grpoLoss, klFromLogits, trainGRPO } from './grpo.js';
import { ppoTargets, trainPPO } from './ppo.js';
import type { Rollout, TurnSample } from './rollout.js';

const loader = async (ref: SuiteEpisode['views'][number]) => ('image' in ref ? ref.image : Promise.reject(new Error('path')));
const tinyModel = { imageSize: 16, channels: [4], hidden: 8, embedDim: 8, headHidden: 8, projDim: 8 };

function sample(over: Partial<TurnSample>): TurnSample {
  return {
    traj: 0, episode: chainEpisode('a'), view: 0, text: { question: 'q', options: ['ask', 'I cannot answer this question.', 'x', 'y'], numInterventions: 2 },
    action: 0, oldLogp: Math.log(0.25), oldDecision: Math.log(0.5), refLogp: Float32Array.of(-1.386, -1.386, -1.386, -1.386), value: 0, reward: 0,
    parsed: { type: 'intervention', option: 0, intervention: 0, valid: true }, valid: Uint8Array.of(1, 0, 0, 0), ...over,
  };
}

describe('GRPO pieces', () => {
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
    const { loss } = grpoLoss(tensor(row, [1, 4], true), Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [s], Float32Array.of(0), { clipEps: 0.2, klCoef: 0, entropyCoef: 0, whichCoef: 1 });
    expect(loss.item()).toBeCloseTo(-Math.log(expectedValidity(row, s.valid, 2)), 5);
  });
  it('the validity term raises a valid intervention the policy did not choose, without moving P(ask)', () => {
    // the policy answered a category (no advantage); option 1 is the valid intervention, option 0 is not
    const logp = tensor(Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [1, 4], true);
    const answered = sample({ action: 2, parsed: { type: 'category', option: 2, category: 0, correct: true }, valid: Uint8Array.of(0, 1, 0, 0) });
    const { loss } = grpoLoss(logp, Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [answered], Float32Array.of(0), { clipEps: 0.2, klCoef: 0, entropyCoef: 0, whichCoef: 1 });
    loss.backward();
    const g = logp.grad!;
    expect(g[1]).toBeLessThan(-0.1); // descending the loss raises the valid one
    expect(g[0]).toBeGreaterThan(0.1); // … and lowers the invalid one
    expect(g[0] + g[1]).toBeCloseTo(0, 5); // P(ask) does not move
    // with nothing valid on offer there is nothing to learn from
    const none = tensor(Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [1, 4], true);
    grpoLoss(none, Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [{ ...answered, valid: new Uint8Array(4) }], Float32Array.of(0), { clipEps: 0.2, klCoef: 0, entropyCoef: 0, whichCoef: 1 }).loss.backward();
    expect(Array.from(none.grad!).every((v) => Math.abs(v) < 1e-6)).toBe(true);
  });
  it('a positive advantage pushes the chosen option up (gradient sign)', () => {
    const logp = tensor(Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [1, 4], true);
    const { loss } = grpoLoss(logp, Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [sample({})], Float32Array.of(1), { clipEps: 0.2, klCoef: 0, entropyCoef: 0, whichCoef: 1 });
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
      const { loss } = grpoLoss(logp, Float32Array.from([0.25, 0.25, 0.25, 0.25], Math.log), [abstained], Float32Array.of(-1), { clipEps: 0.2, klCoef: 0, entropyCoef: 0, whichCoef: 1 });
      loss.backward();
      return logp.grad![0] + logp.grad![1]; // > 0: descending the loss lowers P(ask)
    };
    expect(pushOnAsk(0)).toBeCloseTo(0, 5); // only the choice among interventions moves
    expect(pushOnAsk(2)).toBeGreaterThan(0.5); // asking itself is discouraged
  });
  it('PPO targets: GAE within trajectories, advantages normalised', () => {
    const s0 = sample({ traj: 0, value: 0.1 });
    const s1 = sample({ traj: 0, value: 0.4 });
    const s2 = sample({ traj: 1, value: 0.2 });
    const ro: Rollout = { samples: [s0, s1, s2], trajectories: [{ episode: s0.episode, turns: [0, 1], record: null }, { episode: s0.episode, turns: [2], record: null }] };
    const { adv, targets } = ppoTargets(ro, [1, -0.5], 1, 1);
    expect(Array.from(targets).map((x) => +x.toFixed(4))).toEqual([1, 1, -0.5]);
    expect(adv.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 5);
  });
});

describe('RL changes behaviour in the rewarded direction', () => {
  // Asking is paid (+0.3 per valid intervention) and nothing else counts: the ask rate must rise.
  const eps = Array.from({ length: 24 }, (_, i) => chainEpisode(`e${i}`, 4, 3, { kind: 'sketch' }));
  const rewards = { correct: 0, wrong: 0, interventions: 0.3, invalid: 0, abstain: 0, maxTurns: 0 };
  for (const [name, train] of [['GRPO', trainGRPO], ['PPO', trainPPO]] as const) {
    it(`${name}: the ask rate rises from its start`, async () => {
      const policy = newBuiltin(eps, tinyModel);
      const out = tmpDir(`askfirst-${name}`);
      const r = await train(
        { out, updates: 25, episodesPerUpdate: 24, lr: 0.01, kinds: ['sketch'], progress: false, evalEvery: 100, checkpointEvery: 100, askPrior: 0.2, klCoef: 0, rewards },
        { policy, train: eps, val: eps.slice(0, 4), loader },
      );
      const first = r.curve[0]['rl/askRate'];
      const last = r.curve[r.curve.length - 1]['rl/askRate'];
      expect(last, `ask rate ${first.toFixed(2)} → ${last.toFixed(2)}`).toBeGreaterThan(first + 0.3);
    }, 120_000);
  }
});
