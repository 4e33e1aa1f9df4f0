/**
 * Scene facts → candidate rationale sentences (true and false), the raw material of ILLUME's
 * rationale selection (Brack et al., ICML 2023) and of the facts shown beside pairwise
 * preferences (Factually Augmented RLHF, Sun et al. 2023). All fact extraction lives here.
 *
 * Sources, in order: the episode's `meta` (`shape`/`category`, `colour`/`color`, `condition`/
 * `corruption`/`degradation`) when the generator puts them there, else the scenario kind and the
 * correct category. A condition fact ("part of it is hidden") holds on views that do not show
 * enough; a shape fact ("it has three corners") holds for the correct category. A rationale
 * *supports* an answer when it is a true fact of the right family: a condition for an
 * intervention request, a shape or colour fact for a category answer.
 */
import type { Episode } from '../episode/types.js';
import type { Fact } from './tasks.js';

/** One candidate rationale sentence with what the critic needs to judge it. */
export interface Candidate {
  text: string;
  /** Whether the sentence is true of the shown view. */
  holds: boolean;
  family: 'condition' | 'shape' | 'colour';
  /** True when a correct rationale for this answer: a true fact of the family the answer needs. */
  supports: boolean;
}

/** Sentences describing what is wrong with a view, by condition name. */
export const CONDITION_SENTENCES: Record<string, string> = {
  occlusion: 'part of it is hidden',
  blur: 'the image is blurred',
  noise: 'the image is noisy',
  pixelate: 'the image is pixelated',
  jpeg: 'the image has compression artifacts',
  brightness: 'the image is far too dark or too bright',
  contrast: 'the image has very low contrast',
  saturation: 'the colours are washed out',
  sketch: 'the drawing is unfinished',
  camera: 'the object is cut off by the frame',
  passerby: 'someone is walking in front of it',
  'late-event': 'the relevant moment has not happened yet',
  viewpoint: 'it is seen from an uninformative side',
};

/** Shape facts by category name (categories not listed get "it is a <name>"). */
export const SHAPE_SENTENCES: Record<string, string> = {
  triangle: 'it has three corners',
  square: 'it has four equal sides',
  rectangle: 'it has four corners and two long sides',
  circle: 'it is round with no corners',
  pentagon: 'it has five corners',
  hexagon: 'it has six corners',
  star: 'it has five pointed tips',
  cross: 'it is made of two crossing bars',
  heart: 'it has two rounded lobes on top',
  diamond: 'it stands on one corner',
  // The synthetic suite's categories (src/scenes/shapes.ts).
  crescent: 'it is curved like a thin moon',
  arrow: 'it points in one direction',
  house: 'it has a pointed roof over a box',
  tree: 'it has a trunk under a leafy crown',
  fish: 'it has a tail fin',
  key: 'it has a ring at one end and teeth at the other',
  umbrella: 'it has a dome-shaped canopy over a handle',
  bell: 'it flares out at the bottom',
  lightning: 'it is a jagged zigzag',
  hourglass: 'it is narrow in the middle',
};

export const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'] as const;

/** The scene's ground truth as the fact extractor reads it from an episode. */
export interface SceneTruth {
  category: string;
  colour?: string;
  /** The condition that makes the first view insufficient (undefined for controls / unknown). */
  condition?: string;
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/** Read the scene's ground truth from an episode (meta first, then kind and categories). */
export function sceneTruth(ep: Pick<Episode, 'kind' | 'categories' | 'answer' | 'meta' | 'control'>): SceneTruth {
  const m = ep.meta ?? {};
  const category = str(m.shape) ?? str(m.category) ?? ep.categories[ep.answer];
  const colour = str(m.colour) ?? str(m.color);
  let condition = str(m.condition) ?? str(m.corruption) ?? str(m.degradation);
  if (!condition && !ep.control && CONDITION_SENTENCES[ep.kind]) condition = ep.kind;
  return { category, colour, condition };
}

/** Every fact about a view: does the condition show here (view not informative), what the object is. */
export function sceneFacts(truth: SceneTruth, viewInformative: boolean, categories: readonly string[]): Fact[] {
  const facts: Fact[] = [];
  for (const [cond, text] of Object.entries(CONDITION_SENTENCES)) {
    facts.push({ text, holds: !viewInformative && cond === truth.condition, family: 'condition' });
  }
  const cats = new Set([...categories, truth.category]);
  for (const c of cats) facts.push({ text: shapeSentence(c), holds: c === truth.category, family: 'shape' });
  if (truth.colour) for (const c of COLOURS) facts.push({ text: `it is ${c}`, holds: c === truth.colour, family: 'colour' });
  return facts;
}

export function shapeSentence(category: string): string {
  return SHAPE_SENTENCES[category.toLowerCase()] ?? `it is a ${category.toLowerCase()}`;
}

/**
 * The candidate rationales for an answer on a view: every fact sentence, marked with whether
 * it holds and whether it supports `answerKind` ('ask' = an intervention request, 'answer' = a category).
 */
export function candidates(facts: readonly Fact[], answerKind: 'ask' | 'answer'): Candidate[] {
  return facts.map((f) => {
    const family = (f.family ?? 'shape') as Candidate['family'];
    const supports = f.holds && (answerKind === 'ask' ? family === 'condition' : family !== 'condition');
    return { text: f.text, holds: f.holds, family, supports };
  });
}

/** Sentence form shown to annotators: "Because part of it is hidden." */
export function rationaleText(sentence: string): string {
  return `Because ${sentence}.`;
}
