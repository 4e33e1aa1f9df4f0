import { describe, expect, it } from 'vitest';
import { playEpisode } from '../testing/play-episode.js';
import type { Episode } from '../episode/types.js';
import { chainEpisode } from '../testing/chain-episode.js';
import { openDb } from './db.js';
import { askForeverPairs, checkRecord, pairOfItem, pairToItem, pairsFromRecords, readLabelledPairs } from './pairs.js';
import { makeRewards, scoreTrajectory } from '../rl/rewards.js';
import { firstByCoverage, playContrast } from './pair-coverage.js';
import { FeedbackStore } from './store.js';

const ep = (id: string): Episode<string> => ({ ...chainEpisode(id, 3, 2), views: ['v0.png', 'v1.png', 'v2.png'] });
const ask = (e: Episode<string>) => playEpisode(e, 'proactive', (t) => (t.view === 2 ? e.categories[e.answer] : t.options[0]));
const guess = (e: Episode<string>) => playEpisode(e, 'proactive', () => e.categories[0]);

describe('trajectory pairs', () => {
  it('pairs two different plays of each episode, skips identical ones, and keeps both plays', () => {
    const eps = [ep('a'), ep('b')];
    const recs = [ask(eps[0]), guess(eps[0]), ask(eps[1]), ask(eps[1])].map((record, i) => ({ record, source: `f:${i}` }));
    const pairs = pairsFromRecords(eps, recs, { seed: 3 });
    expect(pairs.map((p) => p.id)).toEqual(['a#pair0']);
    expect(new Set([pairs[0].a.outcome, pairs[0].b.outcome])).toEqual(new Set(['correct', 'wrong-category']));
  });

  it('pairs a play that keeps asking on views that show enough (here until it runs out of turns) with an ordinary play; the gold preference ranks it below answering right', () => {
    // Four views, the second on shows enough, three turns: asking at every turn runs out of turns.
    const e: Episode<string> = { ...chainEpisode('f', 4, 1), views: ['v0.png', 'v1.png', 'v2.png', 'v3.png'], maxTurns: 3 };
    const forever = playEpisode(e, 'proactive', (t) => t.options[0]);
    const right = playEpisode(e, 'proactive', (t) => (t.view === 1 ? e.categories[e.answer] : t.options[0]));
    expect(forever.outcome).toBe('max-turns');
    const ordinary = [forever, right, guess(e)].map((record, i) => ({ record, source: `ordinary:${i}` }));
    const existing = pairsFromRecords([e], ordinary, { seed: 1, perEpisode: 1 });
    expect(existing.map((p) => p.id)).toEqual(['f#pair0']);
    const pairs = askForeverPairs([e], ordinary, [{ record: forever, source: 'masked' }], existing, { seed: 1, max: 5 });
    // The next id of the episode (the held-out split is by episode), the asking-on play beside the first ordinary play that did not ask on an answerable view.
    expect(pairs.map((p) => p.id)).toEqual(['f#pair1']);
    const outcomes = [pairs[0].a.outcome, pairs[0].b.outcome];
    expect(new Set(outcomes)).toEqual(new Set(['max-turns', 'correct']));
    const gold = (r: typeof forever) => scoreTrajectory(r, makeRewards()).total;
    expect(gold(forever)).toBeLessThan(gold(right));
    expect(gold(forever)).toBeLessThan(0);
    // A new kind of play: the coverage order takes it within the first labels.
    expect(playContrast(forever)).toMatch(/^max-turns\+needed\+needless/);
    const pool = [...existing, ...pairs].map((p) => ({ a: { record: p.a }, b: { record: p.b } }));
    expect(firstByCoverage(pool, 1).some((p) => p.a.record.outcome === 'max-turns' || p.b.record.outcome === 'max-turns')).toBe(true);
    // Only plays that asked on a view that showed enough; at most `max`; nothing without an ordinary play to pair with.
    expect(askForeverPairs([e], ordinary, [{ record: right, source: 'masked' }], existing, { seed: 1, max: 5 })).toEqual([]);
    expect(askForeverPairs([e], ordinary, [{ record: forever, source: 'masked' }], existing, { seed: 1, max: 0 })).toEqual([]);
    expect(askForeverPairs([e], [{ record: forever, source: 'o' }], [{ record: forever, source: 'masked' }], [], { seed: 1, max: 5 })).toEqual([]);
    expect(() => askForeverPairs([], ordinary, [{ record: forever, source: 'masked' }], [], { seed: 1, max: 5 })).toThrow(/"f", which is not in the suite/);
  });

  it('refuses a record whose episode is missing or that does not fit its episode', () => {
    expect(() => pairsFromRecords([ep('a')], [{ record: ask(ep('zz')), source: 'r.jsonl:1' }], { seed: 0 })).toThrow(/"zz", which is not in the suite/);
    const r = ask(ep('a'));
    expect(() => checkRecord(ep('a'), { ...r, replies: r.replies.slice(0, 1) }, 'x')).toThrow(/stops before the episode ends/);
    expect(() => checkRecord(ep('a'), { ...r, views: [0, 0, 0] }, 'x')).toThrow(/does not match the episode/);
  });

  it('an item shows every view each play saw and each reply, and gives the pair back', () => {
    const e = ep('a');
    const item = pairToItem({ id: 'a#pair0', episode: e, a: ask(e), b: guess(e) });
    const p = item.tasks[0].payload as { views: string[]; turns: { view: number; reply: string }[][]; facts: string[] };
    expect(p.views).toEqual(['v0.png', 'v1.png', 'v2.png']);
    expect(p.turns[0].map((t) => t.view)).toEqual([0, 1, 2]);
    expect(p.turns[1]).toEqual([{ view: 0, reply: e.categories[0] }]);
    expect(p.facts.some((f) => /view 3 shows enough/.test(f))).toBe(true);
    expect(pairOfItem({ externalId: item.externalId, meta: item.meta! }).b.outcome).toBe('wrong-category');
  });

  it('reading labels: an empty label set is an error; labels map to the preferred play', async () => {
    const store = await FeedbackStore.open(await openDb());
    try {
      const project = await store.createProject('p', '/tmp', 1);
      const e = ep('a');
      await store.addItems(project.id, [pairToItem({ id: 'a#pair0', episode: e, a: ask(e), b: guess(e) })]);
      await expect(readLabelledPairs(store, project)).rejects.toThrow(/no preference labels yet/);
      const who = await store.addAnnotator('ann');
      const a = (await store.next(project.id, who.id))!;
      await store.submit(who.id, a.id, 'submission-0001', { lessHallucination: 1, moreHelpful: 0 });
      const ls = await readLabelledPairs(store, project);
      expect(ls.map((l) => [l.pair.id, l.preferred, l.annotatorId])).toEqual([['a#pair0', 0, who.id]]);
    } finally {
      await store.close();
    }
  });
});
