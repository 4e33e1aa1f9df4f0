import { describe, expect, it } from 'vitest';
import { newBuiltin } from './build.js';
import { imageBatch } from './features.js';
import { generateSuite } from '../../suite/generate.js';
import type { ViewRef } from '../../suite/types.js';
import { CachedPolicy, FeatureCache } from './feature-cache.js';
import { conformanceEpisodes, conformanceObservations } from '../../testing/policy-conformance.js';

describe('FeatureCache', () => {
  it('keeps apart two suites whose episode ids coincide', async () => {
    const a = generateSuite({ episodes: 2, seed: 1, kinds: ['camera'] });
    const b = generateSuite({ episodes: 2, seed: 2, kinds: ['camera'] });
    expect(b[0].id).toBe(a[0].id); // the situation of a training and a validation suite
    const policy = newBuiltin(a, { imageSize: 32, channels: [4], hidden: 8 });
    const loader = async (ref: ViewRef) => ('image' in ref ? ref.image : Promise.reject(new Error('in-memory only')));
    const cache = new FeatureCache(policy.model, loader);
    await cache.get([{ episode: a[0], view: 0 }]);
    const got = await cache.get([{ episode: b[0], view: 0 }, { episode: a[0], view: 0 }]);
    const img = (e: (typeof a)[number]) => (e.views[0] as { image: Parameters<typeof imageBatch>[0][number] }).image;
    const want = policy.model.features(imageBatch([img(b[0]), img(a[0])], 32)); // [h | where] rows
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
    expect(cache.size).toBe(2);
    await expect(cache.get([{ episode: a[0], view: 99 }])).rejects.toThrow(/has no view 99/);
  });

  it("a view's features are the same bytes whatever the batch it is encoded in (the cache's batch size changes no figure)", async () => {
    const eps = generateSuite({ episodes: 3, seed: 4, kinds: ['camera', 'sketch', 'occlusion'] });
    const policy = newBuiltin(eps, { imageSize: 32, channels: [4], hidden: 8 });
    const loader = async (ref: ViewRef) => ('image' in ref ? ref.image : Promise.reject(new Error('in-memory only')));
    const items = eps.flatMap((episode) => episode.views.map((_, view) => ({ episode, view })));
    expect(items.length).toBeGreaterThan(7);
    const byOne = await new FeatureCache(policy.model, loader, 1).get(items);
    const inThrees = await new FeatureCache(policy.model, loader, 3).get(items);
    const all = await new FeatureCache(policy.model, loader, items.length).get(items);
    expect(Buffer.from(inThrees.data.buffer).equals(Buffer.from(all.data.buffer))).toBe(true);
    expect(Buffer.from(byOne.data.buffer).equals(Buffer.from(all.data.buffer))).toBe(true);
  });

  it('CachedPolicy replies exactly as the built-in model it reads features for (replies and log-probs)', async () => {
    const eps = conformanceEpisodes();
    const policy = newBuiltin(eps, { imageSize: 32, channels: [4], hidden: 8 });
    const loader = async (ref: ViewRef) => ('image' in ref ? ref.image : Promise.reject(new Error('in-memory only')));
    const cached = new CachedPolicy(policy, new FeatureCache(policy.model, loader), eps);
    const { obs } = conformanceObservations(eps);
    expect(await cached.act(obs)).toEqual(await policy.act(obs));
  });
});
