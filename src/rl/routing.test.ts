import { describe, expect, it } from 'vitest';
import { routeToHumans } from './routing.js';

describe('routing', () => {
  it('sends the pairs the AI is least sure of to people, within the budget', () => {
    const margins = [0.9, 0.05, 0.5, 0.01, 0.3];
    expect([...routeToHumans(margins, 0.4, 'routed', 0)].sort()).toEqual([1, 3]);
    expect(routeToHumans(margins, 0.4, 'random', 0).size).toBe(2);
    expect(routeToHumans(margins, 0, 'routed', 0).size).toBe(0);
    expect(routeToHumans(margins, 1, 'random', 0).size).toBe(5);
  });
});
