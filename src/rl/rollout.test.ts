import { describe, expect, it } from 'vitest';
import { newBuiltin } from '../agents/builtin/build.js';
import { FeatureCache } from '../agents/builtin/feature-cache.js';
import { generateSuite } from '../suite/generate.js';
import { memoryLoader } from '../suite/loader.js';
import { Rng } from '../util/rng.js';
import { EpisodeState } from '../episode/state.js';
import { forwardSamples, rolloutMultiTurn } from './rollout.js';
import { factoredClippedLoss } from './objective.js';
import { asksOnAnswerable } from '../feedback/pairs.js';

describe('multi-turn rollouts', () => {
  it('askOnly: the policy with answering masked out keeps asking, and asks on views that show enough', async () => {
    const eps = generateSuite({ episodes: 24, seed: 5, kinds: ['camera'], size: 32 });
    const policy = newBuiltin(eps, { imageSize: 32, channels: [4, 8] });
    const cache = new FeatureCache(policy.model, memoryLoader);
    const masked = await rolloutMultiTurn(policy, policy.model, cache, eps, 2, new Rng(1), { askOnly: true });
    const recs = masked.trajectories.map((t) => t.record!);
    expect(recs.length).toBe(48);
    // Wherever an intervention other than "I cannot answer" is shown, the play takes one of those.
    let checked = 0;
    masked.trajectories.forEach((t) => {
      const s = new EpisodeState(t.episode, 'proactive');
      for (const reply of t.record!.replies) {
        const asks = s.shown().interventions.map((o, i) => (o.abstain ? -1 : i)).filter((i) => i >= 0);
        const a = s.step(reply);
        if (asks.length) {
          checked++;
          expect(a.type === 'intervention' && asks.includes(a.option)).toBe(true);
        }
      }
    });
    expect(checked).toBeGreaterThan(48);
    // It asks on past the views that show enough.
    expect(recs.filter(asksOnAnswerable).length).toBeGreaterThan(0);
    // The same policy unmasked answers (an untrained head puts most of its mass on the categories).
    const plain = await rolloutMultiTurn(policy, policy.model, cache, eps, 2, new Rng(1));
    expect(plain.trajectories.filter((t) => t.record!.outcome === 'correct' || t.record!.outcome === 'wrong-category').length).toBeGreaterThan(0);
  }, 60_000);
});

describe('a rollout and Ctrl-C', () => {
  it('hands the event loop a turn after each turn of its plays, so a signal is heard within an RL update', async () => {
    const eps = generateSuite({ episodes: 8, seed: 5, kinds: ['camera', 'occlusion'], size: 32 });
    const policy = newBuiltin(eps, { imageSize: 32, channels: [4, 8] });
    policy.model.gate2.bias!.data[0] += 3; // ask often: plays of several turns
    const cache = new FeatureCache(policy.model, memoryLoader);
    await cache.get(eps.flatMap((e) => e.views.map((_, view) => ({ episode: e, view })))); // every view encoded: the cache yields no more
    let turns = 0;
    let done = false;
    const tick = () => {
      if (done) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const ro = await rolloutMultiTurn(policy, policy.model, cache, eps, 4, new Rng(1));
    done = true;
    const longest = Math.max(...ro.trajectories.map((t) => t.turns.length));
    expect(longest).toBeGreaterThan(1);
    expect(turns).toBeGreaterThanOrEqual(longest - 1); // without: 0, the whole rollout one synchronous stretch
  }, 60_000);
});

describe('the log-probabilities a rollout stores', () => {
  it('are the policy’s own: recomputed in shuffled minibatches before any step, every ratio is exactly 1 and the KL to itself 0', async () => {
    const eps = generateSuite({ episodes: 8, seed: 5, kinds: ['camera', 'sketch', 'occlusion'], size: 32 });
    const policy = newBuiltin(eps, { imageSize: 32, channels: [4, 8] });
    policy.model.gate2.bias!.data[0] += 3; // ask often, so that multi-turn plays and both factors occur
    const cache = new FeatureCache(policy.model, memoryLoader);
    const ro = await rolloutMultiTurn(policy, policy.model, cache, eps, 4, new Rng(1));
    expect(ro.samples.some((s) => s.action < s.text.numInterventions)).toBe(true);
    const order = new Rng(3).shuffle([...ro.samples.keys()]);
    for (let i = 0; i < order.length; i += 37) {
      const batch = order.slice(i, i + 37).map((j) => ro.samples[j]);
      const { out, refPadded } = await forwardSamples(policy, cache, batch, new Map());
      const K = out.logp.shape[1];
      batch.forEach((s, r) => expect(out.logp.data[r * K + s.action]).toBe(s.oldLogp));
      const { stats } = factoredClippedLoss(out.logp, refPadded, batch, new Float32Array(batch.length).fill(1), { clipEps: 0.2, klCoef: 0.05, entropyCoef: 0, whichCoef: 1 });
      expect(stats.kl).toBe(0);
      expect(stats.clipFrac).toBe(0);
      expect(stats.ratio).toBeCloseTo(1, 6);
    }
  }, 60_000);
});
