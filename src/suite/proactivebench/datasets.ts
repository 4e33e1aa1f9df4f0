/**
 * ProactiveBench's seven datasets as its public environments define them (tdemin16/proactivebench,
 * `src/proactivebench/environment.py`; De Min et al., arXiv 2603.19466): file names, the paper's
 * acronyms, the matching askfirst scenario kind, the fixed prompts (pre-prompt, reference prompt,
 * hint), each dataset's action space, the substring rules that turn a chosen option into an
 * action (`action_map` + `_parse_action`), and the checked shape of one JSONL entry.
 */
import type { ScenarioKind } from '../kinds/names.js';
import { DataError } from '../../util/errors.js';

export const PB_DATASETS = [
  'Realistic-Occlusion-Dataset',
  'OcclusionDataSet-MM20',
  'MVP-N',
  'ImageNet-C',
  'QuickDraw',
  'ChangeIt',
  'coco2014',
] as const;
export type PBDataset = (typeof PB_DATASETS)[number];

export function isPBDataset(name: string): name is PBDataset {
  return (PB_DATASETS as readonly string[]).includes(name);
}

/** The actions of environment.py (STOP is implicit: any reply that is not a valid move). */
export type PBAction =
  | 'LEFT'
  | 'RIGHT'
  | 'REWIND'
  | 'FORWARD'
  | 'ROTATE'
  | 'BRIGHTNESS'
  | 'CONTRAST'
  | 'SATURATE'
  | 'BLUR'
  | 'NOISE'
  | 'JPEG_COMPRESSION'
  | 'PIXELATE'
  | 'ARTIFACTS'
  | 'DETAILS'
  | 'UP'
  | 'DOWN'
  | 'ZOOM';

/** environment.py's `action_map`, in its order: a chosen option containing the key (lower-case) means the action. */
const ACTION_KEYS: readonly [string, PBAction][] = [
  ['to the left', 'LEFT'],
  ['to the right', 'RIGHT'],
  ['rewind the video.', 'REWIND'],
  ['wait for the', 'FORWARD'],
  ['rotate', 'ROTATE'],
  ['view', 'ROTATE'],
  ['angle', 'ROTATE'],
  ['orientation', 'ROTATE'],
  ['different', 'ROTATE'],
  ['brightness', 'BRIGHTNESS'],
  ['contrast', 'CONTRAST'],
  ['saturation', 'SATURATE'],
  ['deblur', 'BLUR'],
  ['denoise', 'NOISE'],
  ['compression', 'JPEG_COMPRESSION'],
  ['resolution', 'PIXELATE'],
  ['artifacts', 'ARTIFACTS'],
  ['details', 'DETAILS'],
  ['quickdraw', 'DETAILS'],
  ['drawing', 'DETAILS'],
  ['sketch', 'DETAILS'],
  ['up', 'UP'],
  ['down', 'DOWN'],
  ['farther', 'ZOOM'],
];

/**
 * The action a chosen option stands for, limited to the dataset's action space (`_parse_action`):
 * the first key it contains wins. A second key naming another action is a conflict. Two keys of
 * the same action are accepted (the move is unambiguous), although `_parse_action`'s assert lets
 * only ROTATE repeat — "Add more details to the drawing." would trip it there when chosen.
 * Returns null when no key matches (ProactiveBench would stop on an assert).
 */
export function actionOf(option: string, space: readonly PBAction[]): PBAction | null | { conflict: [PBAction, PBAction] } {
  const text = option.toLowerCase();
  let found: PBAction | null = null;
  for (const [key, action] of ACTION_KEYS) {
    if (!space.includes(action) || !text.includes(key)) continue;
    if (found === null) found = action;
    else if (found !== action) return { conflict: [found, action] };
  }
  return found;
}

/** Options that are never valid moves: ProactiveBench's `"cannot" / "do not"` rule. */
export function isAbstainOption(option: string): boolean {
  const t = option.toLowerCase();
  return t.includes('cannot') || t.includes('do not');
}

export interface DatasetInfo {
  name: PBDataset;
  /** The paper's short name (tests/mcqa.py `DATASETS`). */
  acronym: string;
  /** The askfirst scenario kind it corresponds to (docs/architecture.md §3). */
  kind: ScenarioKind;
  /** Prepended to every prompt ("This is a frame extracted from a video…"). */
  prePrompt?: string;
  /** Replaces the prompt in reference mode. */
  referencePrompt?: string;
}

const VIDEO_PRE = 'This is a frame extracted from a video. Answer the following question.';

export const DATASET_INFO: Record<PBDataset, DatasetInfo> = {
  'Realistic-Occlusion-Dataset': {
    name: 'Realistic-Occlusion-Dataset',
    acronym: 'ROD',
    kind: 'occlusion',
    referencePrompt: 'What type of object is in the image?',
  },
  'OcclusionDataSet-MM20': { name: 'OcclusionDataSet-MM20', acronym: 'VSOD', kind: 'passerby', prePrompt: VIDEO_PRE },
  'MVP-N': { name: 'MVP-N', acronym: 'MVP-N', kind: 'viewpoint' },
  'ImageNet-C': { name: 'ImageNet-C', acronym: 'IN-C', kind: 'corruption' },
  QuickDraw: { name: 'QuickDraw', acronym: 'QD', kind: 'sketch' },
  ChangeIt: { name: 'ChangeIt', acronym: 'CIT', kind: 'late-event', prePrompt: VIDEO_PRE },
  coco2014: { name: 'coco2014', acronym: 'COCO', kind: 'camera' },
};

/** Which dataset's layout an askfirst scenario kind is written in; a kind without one (a new kind: docs/extending.md) is skipped by write.ts, and said. */
export const KIND_TO_DATASET: Partial<Record<ScenarioKind, PBDataset>> = {
  occlusion: 'Realistic-Occlusion-Dataset',
  passerby: 'OcclusionDataSet-MM20',
  viewpoint: 'MVP-N',
  corruption: 'ImageNet-C',
  sketch: 'QuickDraw',
  'late-event': 'ChangeIt',
  camera: 'coco2014',
};

/** The hint sentence of each environment (coco2014's depends on the entry's direction). */
export function hintFor(dataset: PBDataset, entry: PBEntry): string {
  switch (dataset) {
    case 'Realistic-Occlusion-Dataset':
      return 'Hint: moving the occluding object might reveal what is behind it.';
    case 'OcclusionDataSet-MM20':
      return "Hint: If there is an occlusion, waiting for it to disappear or rewinding the video might reveal what's behind it.";
    case 'MVP-N':
      return 'Hint: rotating the object could provide a more informative view.';
    case 'ImageNet-C':
      return 'Hint: enhancing the image quality could help with classification.';
    case 'QuickDraw':
      return 'Hint: Adding more details to the quickdraw could help with classification.';
    case 'ChangeIt':
      return 'Hint: If you cannot answer the question, waiting for it to appear or rewinding the video could help with classification.';
    case 'coco2014':
      return String(entry.direction).includes('zoom')
        ? 'Hint: zooming out could help with classification.'
        : 'Hint: moving the camera could help with classification.';
  }
}

/** The fixed action spaces (coco2014's is built from the entry's direction, see the builder). */
export const ACTION_SPACE: Record<Exclude<PBDataset, 'coco2014'>, readonly PBAction[]> = {
  'Realistic-Occlusion-Dataset': ['LEFT', 'RIGHT'],
  'OcclusionDataSet-MM20': ['REWIND', 'FORWARD'],
  'MVP-N': ['ROTATE'],
  'ImageNet-C': ['BRIGHTNESS', 'CONTRAST', 'SATURATE', 'BLUR', 'NOISE', 'JPEG_COMPRESSION', 'PIXELATE', 'ARTIFACTS'],
  QuickDraw: ['DETAILS'],
  ChangeIt: ['REWIND', 'FORWARD'],
};

/**
 * ImageNet-C's enhancement actions and the corruption each undoes, named as the corruption kind
 * names its operations (scenes/corrupt.ts), so real and generated episodes break down by the
 * same variants (`meta.corruption`, episode/variant.ts). ARTIFACTS has no generated twin.
 */
export const CORRUPTION_OF_ACTION: Partial<Record<PBAction, string>> = {
  BRIGHTNESS: 'brightness',
  CONTRAST: 'contrast',
  SATURATE: 'saturation',
  BLUR: 'blur',
  NOISE: 'noise',
  JPEG_COMPRESSION: 'jpeg',
  PIXELATE: 'pixelate',
  ARTIFACTS: 'artifacts',
};

/**
 * The corruption an ImageNet-C entry shows, read from the enhancement its `quality_answer` names
 * (the entry names no corruption itself); undefined when that option names no single action.
 */
export function corruptionOfAnswer(qualityAnswer: string): string | undefined {
  const a = actionOf(qualityAnswer, ACTION_SPACE['ImageNet-C']);
  return typeof a === 'string' ? CORRUPTION_OF_ACTION[a] : undefined;
}

/** One line of `<Dataset>_preprocessed.jsonl`, after the checks below. */
export interface PBEntry {
  id: number | string;
  image_template: string;
  first_image: number;
  num_images: number;
  reference_image: number;
  prompt: string;
  options: string[];
  categories: string[];
  answer: string;
  // dataset-specific
  strong_occlusions?: boolean;
  valid_images?: number[];
  quality_answer?: string;
  step_size?: number;
  max_steps?: number;
  direction?: string;
  granularity?: number;
  horizontal_step?: number;
  vertical_step?: number;
  crop?: { top: number; left: number; height: number; width: number };
  /** askfirst's own block (files written by writeProactiveBench). */
  askfirst?: unknown;
  [k: string]: unknown;
}

/** Fields each environment reads from the entry (beyond the common ones). */
const EXTRA_FIELDS: Record<PBDataset, [string, 'int' | 'number' | 'string' | 'bool' | 'int[]' | 'crop'][]> = {
  'Realistic-Occlusion-Dataset': [],
  'OcclusionDataSet-MM20': [['strong_occlusions', 'bool']],
  'MVP-N': [['valid_images', 'int[]']],
  'ImageNet-C': [['quality_answer', 'string']],
  QuickDraw: [],
  ChangeIt: [
    ['step_size', 'int'],
    ['max_steps', 'int'],
  ],
  coco2014: [
    ['direction', 'string'],
    ['granularity', 'int'],
    ['horizontal_step', 'number'],
    ['vertical_step', 'number'],
    ['crop', 'crop'],
  ],
};

const COMMON_FIELDS: [string, 'int' | 'string' | 'string[]' | 'id'][] = [
  ['id', 'id'],
  ['image_template', 'string'],
  ['first_image', 'int'],
  ['num_images', 'int'],
  ['reference_image', 'int'],
  ['prompt', 'string'],
  ['options', 'string[]'],
  ['categories', 'string[]'],
  ['answer', 'string'],
];

function typeOk(v: unknown, t: string): boolean {
  switch (t) {
    case 'id':
      return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v !== '');
    case 'int':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean' || v === 0 || v === 1;
    case 'string[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'int[]':
      return Array.isArray(v) && v.every((x) => Number.isInteger(x));
    case 'crop':
      return (
        typeof v === 'object' &&
        v !== null &&
        ['top', 'left', 'height', 'width'].every((k) => typeof (v as Record<string, unknown>)[k] === 'number')
      );
  }
  return false;
}

const TYPE_WORDS: Record<string, string> = {
  id: 'a number or a non-empty string',
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  bool: 'true or false',
  'string[]': 'an array of strings',
  'int[]': 'an array of integers',
  crop: 'an object with numeric top, left, height and width',
};

/** Check one parsed JSONL value against the fields `dataset`'s environment reads. */
export function checkEntry(value: unknown, dataset: PBDataset, file: string, line: number): PBEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DataError(`expected a JSON object (one ${dataset} entry), got ${Array.isArray(value) ? 'an array' : typeof value}`, { file, line });
  }
  const e = value as Record<string, unknown>;
  const ident = e.id !== undefined ? ` (entry id ${JSON.stringify(e.id)})` : '';
  for (const [k, t] of [...COMMON_FIELDS, ...EXTRA_FIELDS[dataset]]) {
    if (!(k in e)) throw new DataError(`missing field "${k}"${ident}; ${dataset} entries need it`, { file, line });
    if (!typeOk(e[k], t)) throw new DataError(`field "${k}"${ident} must be ${TYPE_WORDS[t]}, got ${JSON.stringify(e[k])}`, { file, line });
  }
  const entry = e as PBEntry;
  if (entry.num_images < 1) throw new DataError(`num_images must be at least 1${ident}`, { file, line });
  if (entry.categories.length < 2) throw new DataError(`categories must list at least 2 options${ident}`, { file, line });
  if (!entry.categories.includes(entry.answer)) {
    throw new DataError(`answer ${JSON.stringify(entry.answer)} is not one of the categories ${JSON.stringify(entry.categories)}${ident}`, {
      file,
      line,
    });
  }
  return entry;
}
