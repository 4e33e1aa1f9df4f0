import { describe, expect, it } from 'vitest';
import { playEpisode } from '../episode/state.js';
import type { Episode } from '../episode/types.js';
import { chainEpisode } from '../testing/chain-episode.js';
import { askContrastPairs } from './ask-pairs.js';
import { pairToItem } from './pairs.js';
import { playContrast } from './pair-coverage.js';

// A control episode: every view shows enough, so an ask at the first turn is needless.
const ctrl = (id: string): Episode<string> => ({ ...chainEpisode(id, 3, 0), views: ['v0.png', 'v1.png', 'v2.png'] });
const askThenAnswer = (e: Episode<string>) => playEpisode(e, 'proactive', (t) => (t.turn === 0 ? t.options[0] : e.categories[e.answer]));
const answer = (e: Episode<string>) => playEpisode(e, 'proactive', () => e.categories[e.answer]);
const wrong = (e: Episode<string>) => playEpisode(e, 'proactive', () => e.categories[0]);

describe('ask-vs-answer pairs on control episodes', () => {
  it('pairs a play that asks needlessly at once with one that answers at once, one pair per episode', () => {
    const [a, b, c] = [ctrl('a'), ctrl('b'), ctrl('c')];
    const recs = [answer(a), wrong(a), askThenAnswer(a), askThenAnswer(a), answer(b), wrong(b), askThenAnswer(c)].map((record, i) => ({ record, source: `s${i}` }));
    const pairs = askContrastPairs([a, b, c], recs, { seed: 1 });
    // b never asks and c never answers at once: only a gives a pair
    expect(pairs.map((p) => p.id)).toEqual(['a#ask']);
    const kinds = [pairs[0].a, pairs[0].b].map(playContrast).sort();
    expect(kinds).toEqual(['correct', 'correct+needless']);
    // it is an ordinary pair item for the workbench
    expect(pairToItem(pairs[0]).tasks[0].type).toBe('preference');
  });

  it('stops at max and checks every record against its episode', () => {
    const eps = ['a', 'b', 'c'].map(ctrl);
    const recs = eps.flatMap((e) => [answer(e), askThenAnswer(e)]).map((record) => ({ record, source: 'x' }));
    expect(askContrastPairs(eps, recs, { seed: 0, max: 2 }).length).toBe(2);
    const bad = { ...askThenAnswer(eps[0]), views: [0, 0] };
    expect(() => askContrastPairs(eps, [{ record: bad, source: 'bad.jsonl' }], { seed: 0 })).toThrow(/does not match the episode/);
  });

  it('an ask on a view that does not show enough is not a needless ask', () => {
    const e = { ...chainEpisode('d', 3, 2), views: ['v0.png', 'v1.png', 'v2.png'] };
    const recs = [answer(e), askThenAnswer(e)].map((record) => ({ record, source: 'x' }));
    expect(askContrastPairs([e], recs, { seed: 0 })).toEqual([]);
  });
});
