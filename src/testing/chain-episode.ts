/** Small hand-made episodes for tests of agents, runners and policies (no renderer needed). */
import { createImage, type RGBImage } from '../scenes/image.js';
import type { SuiteEpisode } from '../suite/types.js';

export interface ChainOptions {
  /** Default 'occlusion'. */
  kind?: string;
  /** Default 'What is it?'. */
  question?: string;
  /** Default circle, square, star, heart. */
  categories?: string[];
  /** Index into `categories`; default 2. */
  answer?: number;
  /** The intervention that moves to the next view: 0 (left, the default) or 1 (right). */
  valid?: number;
  /** The image of view v; default one white 4×4 image for every view. */
  image?: (view: number) => RGBImage;
}

/**
 * A chain episode: `n` views, view i offers [move left, move right, abstain], one of the moves
 * (`valid`) leading to view i+1; informative from view `informativeFrom` on.
 */
export function chainEpisode(id: string, n = 3, informativeFrom = n - 1, opts: ChainOptions = {}): SuiteEpisode {
  const white = createImage(4, 4, [255, 255, 255]);
  const image = opts.image ?? (() => white);
  const valid = opts.valid ?? 0;
  return {
    id,
    kind: opts.kind ?? 'occlusion',
    question: opts.question ?? 'What is it?',
    hint: 'Hint: moving the block may help.',
    views: Array.from({ length: n }, (_, v) => ({ image: image(v) })),
    firstView: 0,
    referenceView: n - 1,
    categories: opts.categories ?? ['circle', 'square', 'star', 'heart'],
    answer: opts.answer ?? 2,
    interventions: ['Move the block to the left.', 'Move the block to the right.', 'I cannot answer this question.'],
    abstain: [2],
    steps: Array.from({ length: n }, (_, v) => ({ offered: [0, 1, 2], next: (v + 1 < n ? { [valid]: v + 1 } : {}) as Record<number, number> })),
    maxTurns: n,
    informative: Array.from({ length: n }, (_, v) => v >= informativeFrom),
    control: informativeFrom === 0,
    minInterventions: informativeFrom,
  };
}

/**
 * A two-view episode whose second view (blue) answers what the first (red) cannot, one intervention leading there — or, as a
 * control, both views informative (no intervention needed): the sheets of `suite show` tests.
 */
export function twoViewEpisode(id: string, kind: string, control = false): SuiteEpisode {
  return {
    id,
    kind,
    question: 'What object is shown?',
    views: [{ image: createImage(16, 16, [200, 30, 30]) }, { image: createImage(16, 16, [30, 30, 200]) }],
    firstView: 0,
    referenceView: 1,
    categories: ['a', 'b', 'c', 'd'],
    answer: 0,
    interventions: ['Add more details to the drawing.', 'I cannot answer this question.'],
    abstain: [1],
    steps: [
      { offered: [0, 1], next: { 0: 1 } },
      { offered: [0, 1], next: {} },
    ],
    maxTurns: 2,
    informative: [control, true],
    control,
    minInterventions: control ? 0 : 1,
  };
}
