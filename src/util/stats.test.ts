import { describe, expect, it } from 'vitest';
import { Means, average } from './stats.js';

describe('stats', () => {
  it('average is the arithmetic mean, 0 for no values', () => {
    expect(average([1, 2, 6])).toBe(3);
    expect(average([])).toBe(0);
  });
  it('Means averages each name and prefixes it, in first-seen order', () => {
    const m = new Means();
    m.add({ kl: 1, loss: 4 });
    m.add({ kl: 3, loss: 0, extra: 5 });
    expect(m.prefixed('rl/')).toEqual({ 'rl/kl': 2, 'rl/loss': 2, 'rl/extra': 5 });
    expect(Object.keys(m.prefixed(''))).toEqual(['kl', 'loss', 'extra']);
  });
});
