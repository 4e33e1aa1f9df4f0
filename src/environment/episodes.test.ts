/** EpisodePool's bounds: the PNG data URLs it keeps (by bytes) and a reset's kind filter (lists kept, not made at every reset). */
import { describe, expect, it } from 'vitest';
import { generateSuite } from '../suite/generate.js';
import { memoryLoader } from '../suite/loader.js';
import { pngDataUrl } from '../scenes/png.js';
import type { ViewLoader } from '../suite/types.js';
import { Rng, hashSeed } from '../util/rng.js';
import { checkMode, EpisodePool } from './episodes.js';
import type { EpisodeEntry, EpisodeSource } from '../suite/episode-source.js';

describe('EpisodePool', () => {
  const eps = generateSuite({ episodes: 6, seed: 3, size: 32, kinds: ['occlusion', 'sketch', 'corruption'] });

  it('keeps PNG data URLs up to a number of bytes, the views used longest ago let go first', async () => {
    const loads: string[] = [];
    const loader: ViewLoader = async (ref, id) => {
      loads.push(`${id}`);
      return memoryLoader(ref, id);
    };
    const views = eps.slice(0, 6).map((ep) => ({ ep, view: ep.firstView }));
    const sizes = await Promise.all(views.map(async ({ ep, view }) => pngDataUrl(await memoryLoader(ep.views[view], ep.id)).length));
    const bound = sizes[3] + sizes[4] + sizes[5] + 1; // the last three fit, not a fourth (the views' sizes are alike)
    expect(sizes[2] + sizes[3] + sizes[4] + sizes[5]).toBeGreaterThan(bound);
    const pool = new EpisodePool(eps, loader, bound);
    for (const { ep, view } of views) {
      const url = await pool.pngDataUrl(ep, view);
      expect(url).toBe(pngDataUrl(await memoryLoader(ep.views[view], ep.id)));
    }
    loads.length = 0;
    await pool.pngDataUrl(views[5].ep, views[5].view); // kept: not loaded again
    await pool.pngDataUrl(views[3].ep, views[3].view); // kept, and now the newest
    expect(loads).toEqual([]);
    await pool.pngDataUrl(views[0].ep, views[0].view); // let go: loaded again, letting go of the oldest (views[4])
    expect(loads).toEqual([views[0].ep.id]);
    await pool.pngDataUrl(views[3].ep, views[3].view);
    await pool.pngDataUrl(views[4].ep, views[4].view);
    expect(loads).toEqual([views[0].ep.id, views[4].ep.id]);
    expect(pool.cachedPngBytes).toBeLessThanOrEqual(bound);
    expect(pool.cachedPngBytes).toBeGreaterThanOrEqual(sizes[4]);
    // one view larger than the bound is served, not kept
    const tiny = new EpisodePool(eps, loader, 10);
    expect(await tiny.pngDataUrl(views[0].ep, views[0].view)).toMatch(/^data:image\/png;base64,/);
    expect(tiny.cachedPngBytes).toBe(0);
  });

  it("a reset's kind filter chooses the episodes filtering every entry chose, without reading every entry at each reset", () => {
    let reads = 0;
    const counted = new Proxy(eps as EpisodeEntry[], {
      get(target, p, receiver) {
        if (typeof p === 'string' && /^\d+$/.test(p)) reads++;
        return Reflect.get(target, p, receiver);
      },
    });
    const source: EpisodeSource = {
      entries: counted,
      get: async (id) => eps.find((e) => e.id === id),
      episodes: async function* () {
        yield* eps;
      },
    };
    const pool = new EpisodePool(source, memoryLoader);
    // what choose did before: each reset's list filtered from every entry
    const cursors = new Map<string, number>();
    const expected = (kinds: string[], seed?: number) => {
      const ks = new Set(kinds);
      const list = eps.filter((e) => ks.has(e.kind));
      const key = [...ks].sort().join(',');
      if (seed !== undefined) return list[new Rng(hashSeed('env-reset', seed, key)).int(list.length)].id;
      const i = cursors.get(key) ?? 0;
      cursors.set(key, (i + 1) % list.length);
      return list[i].id;
    };
    reads = 0;
    const asks: { kinds: string[]; seed?: number }[] = [];
    for (let i = 0; i < 300; i++) {
      const kinds = [['sketch'], ['corruption', 'occlusion'], ['occlusion', 'corruption'], ['occlusion'], ['corruption', 'sketch', 'occlusion']][i % 5];
      asks.push(i % 3 === 0 ? { kinds, seed: i } : { kinds });
    }
    const got = asks.map((a) => (a.kinds.length === 1 && a.seed === undefined ? pool.choose({ kind: a.kinds[0] }) : pool.choose(a)).id);
    expect(got).toEqual(asks.map((a) => expected(a.kinds, a.seed)));
    // each set of several kinds filtered once (two sets here), one kind's list kept from the start
    expect(reads).toBeLessThanOrEqual(2 * eps.length);
  });

  it('an unknown kind or mode in a reset: commander\'s "(Did you mean …?)" for a close one', () => {
    const pool = new EpisodePool(eps, memoryLoader);
    expect(() => pool.choose({ kinds: ['sketch', 'skecth', 'zzz'] })).toThrow('unknown kind(s) skecth (Did you mean sketch?), zzz; this server has');
    expect(() => checkMode('hnit')).toThrow('mode must be one of proactive, hint, reference (Did you mean hint?)');
    expect(() => checkMode('loud')).toThrow(/one of proactive, hint, reference$/);
  });
});
