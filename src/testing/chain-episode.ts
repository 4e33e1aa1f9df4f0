/** Small hand-made episodes for tests of agents and runners (no renderer needed). */
import { createImage } from '../scenes/image.js';
import type { SuiteEpisode } from '../suite/types.js';

/**
 * A chain episode: `n` views, view i offers [move (valid → i+1), wrong move, abstain];
 * informative from view `informativeFrom` on.
 */
export function chainEpisode(id: string, n = 3, informativeFrom = n - 1, kind = 'occlusion'): SuiteEpisode {
  const img = createImage(4, 4, [255, 255, 255]);
  return {
    id,
    kind,
    question: 'What is it?',
    hint: 'Hint: moving the block may help.',
    views: Array.from({ length: n }, () => ({ image: img })),
    firstView: 0,
    referenceView: n - 1,
    categories: ['circle', 'square', 'star', 'heart'],
    answer: 2,
    interventions: ['Move the block to the left.', 'Move the block to the right.', 'I cannot answer this question.'],
    abstain: [2],
    steps: Array.from({ length: n }, (_, v) => ({ offered: [0, 1, 2], next: (v + 1 < n ? { 0: v + 1 } : {}) as Record<number, number> })),
    maxTurns: n,
    informative: Array.from({ length: n }, (_, v) => v >= informativeFrom),
    control: informativeFrom === 0,
    minInterventions: informativeFrom,
  };
}
