import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newBuiltin } from '../agents/builtin/build.js';
import { FeatureCache } from '../agents/builtin/feature-cache.js';
import { headBatch } from '../agents/builtin/features.js';
import { EpisodeState } from '../episode/state.js';
import { noGrad } from '../nn/index.js';
import { generateSuite } from '../suite/generate.js';
import { tmpDir } from '../testing/tmp.js';
import { answerabilityTargets, fitAnswerability } from './answerability.js';
import { trainGRPO } from './grpo.js';

const small = { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8 };
const suite = () => generateSuite({ episodes: 6, seed: 3, size: 32, kinds: ['sketch', 'camera'] });
const loader = async (v: { image: never }) => v.image;

describe('the ask gate’s answerability prior', () => {
  it('targets every view the oracle flags: 1 where it does not show enough', () => {
    const eps = suite();
    const t = answerabilityTargets(eps);
    expect(t.length).toBe(eps.reduce((n, e) => n + e.views.length, 0));
    for (const { episode, view, target } of t) expect(target).toBe(episode.informative[view] ? 0 : 1);
    expect(t.some((x) => x.target === 1) && t.some((x) => x.target === 0)).toBe(true);
  });

  it('is off until fitted; the fit learns the flags from u and the where map (below the best constant’s loss), seeded', async () => {
    const eps = suite();
    const fitOnce = async () => {
      const policy = newBuiltin(eps, small);
      expect(policy.model.answerabilityOn).toBe(false);
      const fit = await fitAnswerability(policy.model, policy.vocab, eps, new FeatureCache(policy.model, loader as never), { steps: 300, seed: 1 });
      expect(policy.model.answerabilityOn).toBe(true);
      return { fit, weights: policy.model.answerabilityParameters().map((p) => Array.from(p.data)) };
    };
    const a = await fitOnce();
    const q = a.fit.needAsk;
    const constant = -(q * Math.log(q) + (1 - q) * Math.log(1 - q)); // logistic loss of predicting the base rate
    expect(a.fit.loss).toBeLessThan(0.95 * constant); // an untrained encoder here: little to read, but more than nothing
    expect(a.fit.accuracy).toBeGreaterThan(Math.max(q, 1 - q));
    expect((await fitOnce()).weights).toEqual(a.weights); // same seed, same prior
  }, 60_000);

  it('adds to the gate (P(ask)) where the where map is known, and leaves the choice among interventions alone', async () => {
    const eps = suite();
    const policy = newBuiltin(eps, small);
    const m = policy.model;
    const cache = new FeatureCache(m, loader as never);
    const obs = eps.map((e) => new EpisodeState(e, 'proactive').observe());
    const f = await cache.get(eps.map((e) => ({ episode: e, view: e.firstView })));
    const run = () => noGrad(() => m.head(f, headBatch(obs, policy.vocab)).logp);
    const off = run();
    await fitAnswerability(m, policy.vocab, eps, cache, { steps: 100, seed: 1 });
    const on = run();
    const K = off.shape[1];
    let moved = 0;
    obs.forEach((o, r) => {
      const lp = (t: typeof on) => Array.from({ length: o.numInterventions }, (_, k) => t.data[r * K + k]);
      const lse = (a: number[]) => Math.max(...a) + Math.log(a.reduce((s, x) => s + Math.exp(x - Math.max(...a)), 0)); // log P(ask)
      const aOff = lp(off);
      const aOn = lp(on);
      if (Math.abs(lse(aOn) - lse(aOff)) > 1e-3) moved++;
      aOn.forEach((x, k) => expect(x - lse(aOn)).toBeCloseTo(aOff[k] - lse(aOff), 4)); // which intervention, given asking: unchanged
    });
    expect(moved).toBe(obs.length);
  }, 60_000);

  it('RL fits it at the start (answerability > 0, the default) and keeps it frozen; answerability 0 leaves it off', async () => {
    const train = suite();
    const rl = async (extra: Record<string, unknown>) => {
      const policy = newBuiltin(train, small);
      const ctx = { policy, train, val: train.slice(0, 2), loader };
      let fitted: number[][] = [];
      const log = (msg: string) => {
        if (msg.startsWith('rl: answerability prior fitted')) fitted = policy.model.answerabilityParameters().map((p) => Array.from(p.data));
      };
      await trainGRPO({ out: join(tmpDir('af-rl-answer'), 'run'), updates: 3, episodesPerUpdate: 4, groupSize: 2, evalEvery: 1000, progress: false, ...extra }, { ...ctx, log } as never);
      return { policy, fitted };
    };
    const on = await rl({});
    expect(on.policy.model.answerabilityOn).toBe(true);
    expect(on.fitted.length).toBeGreaterThan(0);
    expect(on.policy.model.answerabilityParameters().map((p) => Array.from(p.data))).toEqual(on.fitted); // RL did not move it
    const off = await rl({ answerability: 0 });
    expect(off.policy.model.answerabilityOn).toBe(false);
  }, 120_000);
});
