import { describe, expect, it } from 'vitest';
import { MISSING } from './missing.js';
import { percent } from './percent.js';

describe('percent', () => {
  it('writes a fraction with one decimal, and the placeholder for no value (never "NaN%")', () => {
    expect([percent(0.125), percent(0), percent(1), percent(-0.114), percent(0.5, 0)]).toEqual(['12.5%', '0.0%', '100.0%', '-11.4%', '50%']);
    for (const x of [Number.NaN, null, undefined, Number.POSITIVE_INFINITY]) expect(percent(x), String(x)).toBe(MISSING);
  });
});
