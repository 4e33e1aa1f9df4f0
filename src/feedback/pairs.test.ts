import { describe, expect, it } from 'vitest';
import { playEpisode } from '../episode/state.js';
import type { Episode } from '../episode/types.js';
import { chainEpisode } from '../testing/chain-episode.js';
import { openDb } from './db.js';
import { checkRecord, pairOfItem, pairToItem, pairsFromRecords, readLabelledPairs } from './pairs.js';
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
