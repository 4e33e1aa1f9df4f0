import { describe, expect, it } from 'vitest';
import { closestNames, didYouMean, eachWithSuggestion } from './did-you-mean.js';

describe('didYouMean (commander\'s rule)', () => {
  const names = ['oracle', 'random', 'builtin', 'openai', 'scripted', 'constant'];
  it('names the closest, ties together, and nothing when none is within 2 edits', () => {
    expect(didYouMean('orcale', names)).toBe(' (Did you mean oracle?)');
    expect(closestNames('bar', ['baz', 'bat', 'foo'])).toEqual(['bat', 'baz']);
    expect(didYouMean('bar', ['baz', 'bat', 'foo'])).toBe(' (Did you mean one of bat, baz?)');
    expect(didYouMean('nope', names)).toBe('');
    expect(didYouMean('ab', ['xy'])).toBe(''); // 2 edits of 2 letters: nothing of it is left
  });
  it('spells a name as the user should type it', () => {
    expect(didYouMean('bulitin', names, (n) => `${n}:DIR`)).toBe(' (Did you mean builtin:DIR?)');
  });
  it('several unknown words, each with its own suggestion', () => {
    expect(eachWithSuggestion(['orcale', 'nope', 'radnom'], names)).toBe('orcale (Did you mean oracle?), nope, radnom (Did you mean random?)');
  });
});
