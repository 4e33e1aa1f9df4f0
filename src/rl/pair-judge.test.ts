import { describe, expect, it } from 'vitest';
import type { EpisodeRecord, ParsedAction } from '../episode/types.js';
import { judgePair, type JudgedPlay } from './pair-judge.js';
import { makeRewards, scoreTrajectory } from './rewards.js';
import type { TurnPerception } from './trajectory-features.js';

// One episode, options: one intervention then the categories cat, dog.
const options = ['Move closer.', 'cat', 'dog'];
const turn = (cat: number, dog: number): TurnPerception => ({ maxP: Math.max(cat, dog), entropy: 0, catP: Float64Array.from([Number.NaN, cat, dog]), options });
const ask: ParsedAction = { type: 'intervention', option: 0, intervention: 0, valid: true };
const say = (c: 'cat' | 'dog'): ParsedAction => ({ type: 'category', option: c === 'cat' ? 1 : 2, category: c === 'cat' ? 0 : 1, correct: c === 'dog' });
const rec = (actions: ParsedAction[]): EpisodeRecord => ({
  id: 'e', kind: 'camera', mode: 'proactive', control: false, success: false, outcome: 'correct', turns: actions.length,
  interventions: actions.filter((a) => a.type === 'intervention').length, ps: 0, minInterventions: 1, guessed: false,
  replies: actions.map(() => ''), actions, views: actions.map((_, k) => k),
});
const play = (actions: ParsedAction[], turns: TurnPerception[]): JudgedPlay => ({ record: rec(actions), turns });

describe('pair judge', () => {
  // The first view is ambiguous and the model leans wrong (cat 0.6); after asking, the second view shows a dog (0.95).
  const guess = play([say('cat')], [turn(0.6, 0.4)]);
  const asked = play([ask, say('dog')], [turn(0.6, 0.4), turn(0.05, 0.95)]);

  it('checks a guess against the best view either play saw, and prefers the play that asked', () => {
    const [vGuess, vAsked] = judgePair(guess, asked);
    expect(vAsked).toBeGreaterThan(vGuess);
    // the guess is judged by the second play's view: P(cat) 0.05, on a view that does not show enough
    expect(vGuess).toBeCloseTo(0.05 - 0.5 * 0.95 - 0.3);
  });

  it('an ask on a view the model recognises is needless: an answer there is preferred', () => {
    const sure = play([say('dog')], [turn(0.1, 0.9)]);
    const askedAnyway = play([ask, say('dog')], [turn(0.1, 0.9), turn(0.08, 0.92)]);
    const [vSure, vAsk] = judgePair(sure, askedAnyway);
    expect(vSure).toBeGreaterThan(vAsk);
  });

  it('a play that ends without an answer costs what the gold reward charges', () => {
    const abstained = play([{ type: 'abstain', option: 0, intervention: 0 }], [turn(0.5, 0.5)]);
    abstained.record.outcome = 'abstain';
    expect(judgePair(abstained, asked)[0]).toBeCloseTo(-0.5);
  });

  it('scores through the gold reward itself: an invalid ask on a view the model recognises is needless too', () => {
    const invalid = play([{ type: 'intervention', option: 0, intervention: 0, valid: false }], [turn(0.1, 0.9)]);
    invalid.record.outcome = 'invalid-intervention';
    invalid.record.interventions = 0;
    // rewards.ts: invalid −0.5, needlessAsks counts every ask on a view that shows enough (−0.3)
    const expected = scoreTrajectory({ ...invalid.record, informative: [true] }, makeRewards()).total;
    expect(expected).toBeCloseTo(-0.8);
    expect(judgePair(invalid, asked)[0]).toBeCloseTo(expected);
  });
});
