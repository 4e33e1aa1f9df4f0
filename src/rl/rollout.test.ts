import { describe, expect, it } from 'vitest';
import { newBuiltin } from '../agents/builtin/build.js';
import { FeatureCache } from '../agents/builtin/feature-cache.js';
import { generateSuite } from '../suite/generate.js';
import { memoryLoader } from '../suite/loader.js';
import { Rng } from '../util/rng.js';
import { EpisodeState } from '../episode/state.js';
import { rolloutMultiTurn } from './rollout.js';
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
