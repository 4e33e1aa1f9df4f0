/**
 * EpisodePool's bounds: the PNG data URLs it keeps (by bytes), the episodes a reading source read that it keeps (by bytes)
 * and a reset's kind filter (lists kept, not made at every reset).
 */
import { describe, expect, it } from 'vitest';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { indexData } from '../suite/open.js';
import { tmpDir } from '../testing/tmp.js';
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

  /** `n` episodes (copies of eps under new ids) as a source that reads one again at each `get` (counted), each `bytes` long. */
  function readingSource(n: number, bytes: (id: string) => number) {
    const all = Array.from({ length: n }, (_, i) => ({ ...eps[i % eps.length], id: `ep-${i}` }));
    const byId = new Map(all.map((e) => [e.id, e]));
    const reads: string[] = [];
    const source: EpisodeSource = {
      entries: all,
      get: async (id) => {
        reads.push(id);
        const ep = byId.get(id);
        return ep && { ...ep }; // a new object at each read, as a line parsed again
      },
      episodes: async function* () {
        yield* all;
      },
      bytes: (id) => (byId.has(id) ? bytes(id) : undefined),
    };
    return { source, reads };
  }

  it('resets that walk a suite in order read each episode once while the suite fits in the bytes kept, however many episodes', async () => {
    // 40 episodes: more than the 32 a pool kept whatever their size, so every reset of a walk read its episode again
    const { source, reads } = readingSource(40, () => 1000);
    const pool = new EpisodePool(source, memoryLoader, undefined, 40 * 1000);
    const first = [];
    for (let i = 0; i < 40; i++) first.push(await pool.episode(pool.choose({})));
    expect(reads.length).toBe(40);
    for (let lap = 0; lap < 2; lap++) for (let i = 0; i < 40; i++) expect(await pool.episode(pool.choose({}))).toBe(first[i]);
    expect(reads.length).toBe(40); // the second and third laps read nothing
    expect(pool.cachedEpisodeBytes).toBe(40 * 1000);
  });

  it('keeps episodes up to a number of bytes, those read longest ago let go first, one larger than the bound served, not kept', async () => {
    const big = 'ep-7';
    const { source, reads } = readingSource(20, (id) => (id === big ? 5001 : 1000));
    const pool = new EpisodePool(source, memoryLoader, undefined, 5000);
    const entry = (i: number) => pool.entries[i];
    for (let i = 0; i < 5; i++) await pool.episode(entry(i)); // 5,000 bytes: all five kept
    expect(pool.cachedEpisodeBytes).toBe(5000);
    reads.length = 0;
    await pool.episode(entry(0)); // kept: not read again, and now the newest
    expect(reads).toEqual([]);
    await pool.episode(entry(5)); // lets go of the oldest, ep-1
    await pool.episode(entry(0));
    expect(reads).toEqual(['ep-5']);
    await pool.episode(entry(1));
    expect(reads).toEqual(['ep-5', 'ep-1']);
    expect(pool.cachedEpisodeBytes).toBe(5000);
    // an episode larger than the bound alone: served, not kept, and nothing else let go for it
    expect((await pool.episode(entry(7))).id).toBe(big);
    expect((await pool.episode(entry(7))).id).toBe(big);
    expect(reads.filter((id) => id === big).length).toBe(2);
    expect(pool.cachedEpisodeBytes).toBe(5000);
    reads.length = 0;
    for (const i of [3, 4, 5, 0, 1]) await pool.episode(entry(i)); // the five kept (ep-2 let go for ep-1)
    expect(reads).toEqual([]);
  });

  it('on a suite env serve reads again (indexData), a walk reads each line once: 35 episodes, more than the 32 kept before', async () => {
    const dir = tmpDir('askfirst-pool-walk');
    await writeSuite(dir, generateSuite({ episodes: 5, seed: 3, size: 32 }));
    const data = await indexData(dir);
    const reads: string[] = [];
    const pool = new EpisodePool({ ...data, get: (id) => (reads.push(id), data.get(id)) }, data.loader);
    try {
      const n = pool.entries.length;
      expect(n).toBe(35);
      for (let i = 0; i < 3 * n; i++) expect((await pool.episode(pool.choose({}))).id).toBe(pool.entries[i % n].id);
      expect(reads).toEqual(pool.entries.map((e) => e.id));
    } finally {
      await data.close();
    }
  });
});
