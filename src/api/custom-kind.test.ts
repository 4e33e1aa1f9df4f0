/**
 * docs/extending.md "Without forking": episodes of a kind askfirst does not generate (a user's own, here a "low-light"
 * kind made by relabelling generated views) are played by the library's `evaluate` and summarised under their own kind,
 * with no registration.
 */
import { describe, expect, it } from 'vitest';
import { createPolicy, evaluate, generateSuite, memoryLoader } from './index.js';

describe('a kind of your own, through the library', () => {
  it('evaluate plays and summarises episodes of a kind askfirst does not know, by that kind', async () => {
    const own = generateSuite({ episodes: 3, seed: 0, kinds: ['corruption'], size: 32 }).map((e, i) => ({ ...e, id: `low-light-${i}`, kind: 'low-light' }));
    const theirs = generateSuite({ episodes: 2, seed: 0, kinds: ['camera'], size: 32 });
    const episodes = [...own, ...theirs];
    const policy = await createPolicy('oracle', { episodes, seed: 0 });
    const { summaries, records } = await evaluate({ episodes, loader: memoryLoader, policy, modes: ['proactive'] });
    expect(records.proactive!.filter((r) => r.kind === 'low-light').map((r) => r.id)).toEqual(['low-light-0', 'low-light-1', 'low-light-2']);
    const byKind = summaries.proactive!.byKind;
    expect(Object.keys(byKind).sort()).toEqual(['camera', 'low-light']);
    expect(byKind['low-light'].episodes).toBe(3);
    expect(byKind['low-light'].accuracy).toBe(1); // the oracle reads the episodes' own facts, whatever their kind
  });
});
