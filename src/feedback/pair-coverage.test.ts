import { describe, expect, it } from 'vitest';
import type { EpisodeRecord, ParsedAction } from '../episode/types.js';
import { coverageOrder, firstByCoverage, pairContrast } from './pair-coverage.js';

const ask: ParsedAction = { type: 'intervention', option: 0, intervention: 0, valid: true };
const cat: ParsedAction = { type: 'category', option: 1, category: 0, correct: true };
const rec = (o: Partial<EpisodeRecord>): EpisodeRecord => ({
  id: 'e', kind: 'camera', mode: 'proactive', control: false, success: true, outcome: 'correct', turns: 1, interventions: 0,
  ps: 0, minInterventions: 1, guessed: false, replies: [], actions: [cat], views: [0], informative: [true], ...o,
});
// The common contrast: asked on a view that did not show enough then answered right, vs guessed wrong.
const askedRight = rec({ actions: [ask, cat], informative: [false, true], interventions: 1, turns: 2 });
const guessedWrong = rec({ success: false, outcome: 'wrong-category', guessed: true, informative: [false] });
// The rare ones: an ask on a view that already showed enough; asking until out of turns.
const needless = rec({ actions: [ask, cat], informative: [true, true], interventions: 1, turns: 2 });
const forever = rec({ success: false, outcome: 'max-turns', actions: [ask, ask, ask], informative: [false, false, false], interventions: 3, turns: 3 });

describe('pair coverage', () => {
  const pairs = [
    ...Array.from({ length: 6 }, (_, k) => (k % 2 ? { a: askedRight, b: guessedWrong } : { a: guessedWrong, b: askedRight })),
    { a: askedRight, b: needless },
    { a: forever, b: askedRight },
  ];

  it('a contrast does not depend on A/B order, and names needless asks and running out of turns', () => {
    expect(pairContrast(askedRight, guessedWrong)).toBe(pairContrast(guessedWrong, askedRight));
    expect(pairContrast(askedRight, needless)).toMatch(/needless/);
    expect(pairContrast(forever, askedRight)).toMatch(/max-turns/);
  });

  it('labels one pair of every contrast first, then the rest in sampling order', () => {
    expect(coverageOrder(pairs)).toEqual([0, 6, 7, 1, 2, 3, 4, 5]);
    // the first 3 labels hold the needless ask and the play that ran out of turns; sampling order would hold neither
    const first3 = firstByCoverage(pairs.map((p) => ({ a: { record: p.a }, b: { record: p.b } })), 3).map((p) => p.a.record === forever || p.b.record === needless);
    expect(first3.filter(Boolean).length).toBe(2);
    expect(firstByCoverage(pairs.map((p) => ({ a: { record: p.a }, b: { record: p.b } })), 99).length).toBe(8);
  });

  it('a kind of play no earlier pair showed comes before a new contrast of known plays', () => {
    const right = rec({});
    const ps = [
      { a: askedRight, b: guessedWrong },
      { a: askedRight, b: right },
      { a: guessedWrong, b: right },
      { a: right, b: askedRight },
      { a: needless, b: askedRight },
    ];
    // by contrast alone the first three would be pairs 0, 1, 2 and hold no needless ask
    expect(coverageOrder(ps).slice(0, 3)).toEqual([0, 1, 4]);
  });
});
