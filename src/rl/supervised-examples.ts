/**
 * The examples the supervised stage trains on, taken from a suite's episodes: each kind's clearest
 * views with their category, the RL training kinds' other informative views with theirs, and their
 * uninformative views labelled "cannot tell" — camera views with the where map's target.
 */
import { cameraCoverage } from '../suite/kinds/camera.js';
import type { RGBImage } from '../scenes/image.js';
import { CATEGORIES } from '../scenes/shapes.js';
import type { SuiteEpisode } from '../suite/types.js';
import { DataError } from '../util/errors.js';

/** One training example: the clearest view and the index of its category among all categories. */
export interface ReferenceExample {
  image: RGBImage;
  label: number;
  question: string;
  kind: string;
  /** Where the object is, per cell of the where map (camera views only; see `whereTarget`). */
  where?: Float32Array;
}

/**
 * The where map's target from a view's coverage map: a cell counts as "object here" once the
 * object covers a sixteenth of it (4 pixels of an 8×8 cell), linearly below that.
 */
export function whereTarget(coverage: Float32Array): Float32Array {
  return coverage.map((c) => Math.min(1, 16 * c));
}

/** The where target of view `v`, if its kind has one and `grid` > 0. */
function whereOf(e: SuiteEpisode, v: number, grid: number): Float32Array | undefined {
  const cov = grid > 0 ? cameraCoverage(e, v, grid) : null;
  return cov ? whereTarget(cov) : undefined;
}

/** Clearest views and their categories; with `grid` > 0, camera views carry their where target. */
export function referenceExamples(episodes: readonly SuiteEpisode[], grid = 0): ReferenceExample[] {
  return episodes.map((e) => {
    const ref = e.views[e.referenceView];
    if (!('image' in ref)) throw new DataError(`episode ${e.id}: supervised training needs in-memory views`);
    const label = CATEGORIES.indexOf(e.categories[e.answer]);
    if (label < 0) throw new DataError(`episode ${e.id}: category "${e.categories[e.answer]}" is not a known category`);
    return { image: ref.image, label, question: e.referenceQuestion ?? e.question, kind: e.kind, where: whereOf(e, e.referenceView, grid) };
  });
}

/** The views of the given kinds that `pick` keeps, with `label`; with `grid` > 0, camera views carry their where target. */
function viewExamples(episodes: readonly SuiteEpisode[], kinds: readonly string[], grid: number, pick: (e: SuiteEpisode, view: number) => boolean, label: (e: SuiteEpisode) => number): ReferenceExample[] {
  const ks = new Set(kinds);
  return episodes.flatMap((e) =>
    ks.has(e.kind)
      ? e.views.flatMap((v, i) => (pick(e, i) && 'image' in v ? [{ image: v.image, label: label(e), question: e.question, kind: e.kind, where: whereOf(e, i, grid) }] : []))
      : [],
  );
}

/** Informative views of the given kinds other than the clearest one, with their category. */
export function informativeExamples(episodes: readonly SuiteEpisode[], kinds: readonly string[], grid = 0): ReferenceExample[] {
  return viewExamples(episodes, kinds, grid, (e, i) => e.informative?.[i] === true && i !== e.referenceView, (e) => CATEGORIES.indexOf(e.categories[e.answer]));
}

/** Uninformative views of the given kinds, labelled −1 ("cannot tell"). */
export function uninformativeExamples(episodes: readonly SuiteEpisode[], kinds: readonly string[], grid = 0): ReferenceExample[] {
  return viewExamples(episodes, kinds, grid, (e, i) => e.informative?.[i] === false, () => -1);
}
