/**
 * One ProactiveBench entry → one askfirst Episode, by replaying the state machine of its
 * environment class (tdemin16/proactivebench `environment.py`, read to learn, not copied):
 * `get_state` (which image, which options), `_get_valid_options`, `_get_correct_options_and_categories`,
 * `_prepare_next_state` and `max_steps`. Every state the environment can show within its turn
 * limit becomes one view of the episode, discovered breadth-first from the first state, so
 * `firstView` is 0. Where the environment's state is more than an image index, a state is
 * expanded into distinct views that may point at the same file:
 *
 * - Realistic-Occlusion-Dataset: state = (image id, first turn?) — at the first turn no category
 *   counts (`action is None` → correct categories are empty), so the first image is also a later
 *   view where the answer counts; plus, for the one image the environment swaps
 *   (`_fix_corruptions`: "…-banana-s6" shows s5 after a LEFT move, s7 otherwise), the last move.
 *   LEFT → id − 1, RIGHT → id + 1, both modulo num_images.
 * - OcclusionDataSet-MM20: state = image id; REWIND → id − 1, "Wait for the…" → id + 1 (mod n).
 * - MVP-N, ImageNet-C, QuickDraw: state = turn number t (their correct options depend on it: the
 *   last turn accepts only a category). MVP-N shows valid_images[t] (first_image at t = 0) from the
 *   "informative=1" folder at the last turn; ImageNet-C shows level first_image − t; QuickDraw
 *   image first_image + t.
 * - ChangeIt: state = frame id; rewind/wait move by step_size; at the ends the impossible move is
 *   removed from the options (with the environment's quirk: if no option says "Wait for the",
 *   the last option is removed).
 * - coco2014: one photo; state = (horizontal moves, vertical moves); each view is a crop box
 *   computed exactly as `_get_transform` does (steps grow as step·(k+1), float arithmetic in the
 *   same order, boxes rounded half-to-even like PIL's `crop`). Moves are removed once the step
 *   reaches its maximum.
 *
 * A valid move made at the last possible turn ends the episode there (ProactiveBench stops on
 * max_steps before moving), so a move whose target state is never shown within the limit is left
 * out of `next`: the outcome is the same failure after the same number of turns.
 *
 * `minInterventions` is the breadth-first distance from the first view to the nearest "target"
 * view: a view showing the reference image where a category counts if one is reachable; else the
 * last turn's view (MVP-N, ImageNet-C, QuickDraw), the views with no move left (coco2014), or the
 * frames nearest the reference frame (ChangeIt). `referenceView` is such a matching view when the
 * reference image is a reachable state, otherwise an extra view (reference mode only) appended
 * at the end. `informative` is unknown for real data and left undefined.
 */
import type { ViewStep } from '../../episode/types.js';
import { DataError } from '../../util/errors.js';
import {
  ACTION_SPACE,
  DATASET_INFO,
  actionOf,
  corruptionOfAnswer,
  hintFor,
  isAbstainOption,
  type PBAction,
  type PBDataset,
  type PBEntry,
} from './datasets.js';
import type { CropBox, SuiteEpisode, ViewRef } from '../types.js';

/**
 * Python's `str.format` for named fields: `{image}`, `{{`/`}}` escapes, `!s`/`!r` conversions
 * and format specs such as `{image:02d}` or `{image:>5}` (`formatSpec`). Unknown fields throw.
 */
export function formatTemplate(template: string, fields: Record<string, string | number>): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, name: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const f = /^([^!:]*)(?:!([rsa]))?(?::(.*))?$/s.exec(name ?? '');
    if (!f) throw new Error(`image_template field {${name}} is not a valid format field`);
    const [, key, conv, spec] = f;
    if (!(key in fields)) throw new Error(`image_template field {${name}} is not one this dataset fills (${Object.keys(fields).join(', ')})`);
    let v: string | number = fields[key];
    if (conv === 's') v = String(v);
    else if (conv === 'r' || conv === 'a') v = typeof v === 'string' ? `'${v}'` : String(v);
    return formatSpec(v, spec ?? '', `{${name}}`);
  });
}

/**
 * Python's format-spec mini-language for an int or a str (`[[fill]align][sign][#][0][width][,|_][.precision][type]`),
 * as `format(value, spec)`; what Python rejects (e.g. `d` for a str) throws.
 */
export function formatSpec(v: string | number, spec: string, field = 'field'): string {
  if (spec === '') return String(v);
  const m = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s.exec(spec);
  if (!m) throw new Error(`image_template field ${field}: invalid format spec "${spec}"`);
  const [, fillCh, alignCh, sign, alt, zero, widthS, group, precS, typeIn] = m;
  const width = widthS ? Number(widthS) : 0;
  let fill = fillCh ?? ' ';
  let align = alignCh;
  let body: string;
  let prefix = '';
  if (typeof v === 'string') {
    if (typeIn && typeIn !== 's') throw new Error(`image_template field ${field}: unknown format code '${typeIn}' for object of type 'str'`);
    if (sign || alt || group || align === '=') throw new Error(`image_template field ${field}: format spec "${spec}" is not allowed for a string`);
    body = precS !== undefined ? v.slice(0, Number(precS)) : v;
    align ??= '<';
    if (zero && !alignCh) fill = '0'; // Python ≥ 3.10 pads a str with "0" on the right for a bare "0"
  } else {
    const type = typeIn ?? 'd';
    const n = v;
    const neg = n < 0;
    const a = Math.abs(n);
    const int = (radix: number) => {
      if (!Number.isInteger(n)) throw new Error(`image_template field ${field}: format code '${type}' needs an integer`);
      return BigInt(a).toString(radix);
    };
    switch (type) {
      case 'd':
      case 'n':
        body = int(10);
        break;
      case 'x':
        body = int(16);
        if (alt) prefix = '0x';
        break;
      case 'X':
        body = int(16).toUpperCase();
        if (alt) prefix = '0X';
        break;
      case 'o':
        body = int(8);
        if (alt) prefix = '0o';
        break;
      case 'b':
        body = int(2);
        if (alt) prefix = '0b';
        break;
      case 'c':
        body = String.fromCodePoint(n);
        break;
      case 'f':
      case 'F':
        body = a.toFixed(precS !== undefined ? Number(precS) : 6);
        break;
      case 'e':
      case 'E':
        body = a.toExponential(precS !== undefined ? Number(precS) : 6).replace(/e([+-])(\d)$/, 'e$10$2');
        if (type === 'E') body = body.toUpperCase();
        break;
      case '%':
        body = `${(a * 100).toFixed(precS !== undefined ? Number(precS) : 6)}%`;
        break;
      default: // g, G: close enough for integers, the only numbers templates get
        body = String(a);
    }
    if (group) {
      const [ip, fp] = body.split('.');
      body = ip.replace(/\B(?=(\d{3})+(?!\d))/g, group) + (fp !== undefined ? `.${fp}` : '');
    }
    prefix = (neg ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '') + prefix;
    if (zero && !alignCh) {
      fill = '0';
      align = '=';
    }
    align ??= '>';
  }
  const len = [...prefix].length + [...body].length;
  const pad = Math.max(0, width - len);
  switch (align) {
    case '<':
      return prefix + body + fill.repeat(pad);
    case '^':
      return fill.repeat(Math.floor(pad / 2)) + prefix + body + fill.repeat(pad - Math.floor(pad / 2));
    case '=':
      return prefix + fill.repeat(pad) + body;
    default:
      return fill.repeat(pad) + prefix + body;
  }
}

/** Python's `str(n).zfill(w)`. */
export function zfill(n: number, width: number): string {
  const s = String(n);
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  return (neg ? '-' : '') + digits.padStart(width - (neg ? 1 : 0), '0');
}

/** Python's `round` (half to even), as PIL's crop applies it to box coordinates. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** One environment's state machine over states of type S. */
interface Machine<S> {
  start: S;
  key(s: S): string;
  view(s: S): ViewRef;
  /** `_get_valid_options()` texts, in order. */
  offered(s: S): string[];
  /** The correct options of `_get_correct_options_and_categories()`. */
  correct(s: S): string[];
  /** Whether the correct category counts here. */
  answerable(s: S): boolean;
  next(s: S, action: PBAction): S;
  space: readonly PBAction[];
  maxSteps: number;
  reference: ViewRef;
  /** Fallback targets for minInterventions when the reference image is not a reachable state. */
  fallbackTargets(states: S[], depth: number[]): number[];
}

class EntryError extends Error {}

function removeFirst(list: string[], text: string, what: string): void {
  const i = list.indexOf(text);
  if (i < 0) throw new EntryError(`${what} ${JSON.stringify(list)} lack ${JSON.stringify(text)}, which the environment removes here`);
  list.splice(i, 1);
}

/** ChangeIt's removal of the "Wait for the…" option (or, quirk kept, the last one when none says so). */
function removeWait(list: string[]): void {
  if (list.length === 0) throw new EntryError('no option left to remove at the end of the video');
  let i = list.findIndex((o) => o.includes('Wait for the'));
  if (i < 0) i = list.length - 1;
  removeFirst(list, list[i], 'options');
}

function path(template: string, fields: Record<string, string | number>): ViewRef {
  return { path: formatTemplate(template, fields) };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each dataset's state type differs
function machineFor(ds: PBDataset, e: PBEntry): Machine<any> {
  const correctAll = e.options.filter((o) => !isAbstainOption(o));
  const n = e.num_images;
  const linearTargets = (states: { t: number }[]) => states.flatMap((s, i) => (s.t === n - 1 ? [i] : []));
  switch (ds) {
    case 'Realistic-Occlusion-Dataset': {
      const MARK = 'natural_bluebl_greenr-banana-s6';
      type S = { img: number; first: boolean; left: boolean };
      const raw = (img: number) => formatTemplate(e.image_template, { image: img });
      return {
        start: { img: e.first_image, first: true, left: false },
        key: (s: S) => `${s.img}|${s.first}|${raw(s.img).includes(MARK) && s.left}`,
        view: (s: S) => {
          const p = raw(s.img);
          return { path: p.includes(MARK) ? p.replaceAll('s6', s.left ? 's5' : 's7') : p };
        },
        offered: () => e.options,
        correct: () => correctAll,
        answerable: (s: S) => !s.first,
        next: (s: S, a: PBAction) => ({ img: (((a === 'LEFT' ? s.img - 1 : s.img + 1) % n) + n) % n, first: false, left: a === 'LEFT' }),
        space: ACTION_SPACE[ds],
        maxSteps: n,
        reference: { path: raw(e.reference_image) },
        fallbackTargets: () => [],
      } satisfies Machine<S>;
    }
    case 'OcclusionDataSet-MM20': {
      type S = { img: number };
      return {
        start: { img: e.first_image },
        key: (s: S) => String(s.img),
        view: (s: S) => path(e.image_template, { image: zfill(s.img, 4) }),
        offered: () => e.options,
        correct: () => correctAll,
        answerable: () => true,
        next: (s: S, a: PBAction) => ({ img: (((a === 'REWIND' ? s.img - 1 : s.img + 1) % n) + n) % n }),
        space: ACTION_SPACE[ds],
        maxSteps: n,
        reference: path(e.image_template, { image: zfill(e.reference_image, 4) }),
        fallbackTargets: () => [],
      } satisfies Machine<S>;
    }
    case 'MVP-N':
    case 'ImageNet-C':
    case 'QuickDraw': {
      type S = { t: number };
      const valid = ds === 'ImageNet-C' ? [e.quality_answer as string] : correctAll;
      if (ds === 'ImageNet-C' && !e.options.includes(e.quality_answer as string)) {
        throw new EntryError(`quality_answer ${JSON.stringify(e.quality_answer)} is not one of the options`);
      }
      const image = (t: number): number => {
        if (ds === 'ImageNet-C') return e.first_image - t;
        if (ds === 'QuickDraw') return e.first_image + t;
        if (t === 0) return e.first_image;
        const v = (e.valid_images as number[])[t];
        if (v === undefined) throw new EntryError(`valid_images has ${(e.valid_images as number[]).length} ids but turn ${t + 1} needs valid_images[${t}]`);
        return v;
      };
      const ref = (img: number, informative: number): ViewRef =>
        ds === 'ImageNet-C'
          ? path(e.image_template, { level: img })
          : ds === 'QuickDraw'
            ? path(e.image_template, { image: zfill(img, 4) })
            : path(e.image_template, { informative, image: zfill(img, 4) });
      if (ds === 'ImageNet-C') {
        for (let t = 0; t < n; t++) {
          const lv = image(t);
          if (lv < 1 || lv > 5) throw new EntryError(`turn ${t + 1} would show corruption level ${lv}; ImageNet-C levels are 1..5 (first_image ${e.first_image}, num_images ${n})`);
        }
      }
      return {
        start: { t: 0 },
        key: (s: S) => String(s.t),
        view: (s: S) => ref(image(s.t), s.t + 1 === n ? 1 : 0),
        offered: () => e.options,
        correct: (s: S) => (s.t + 1 < n ? valid : []),
        answerable: () => true,
        next: (s: S) => ({ t: s.t + 1 }),
        space: ACTION_SPACE[ds],
        maxSteps: n,
        reference: ref(e.reference_image, 1),
        fallbackTargets: (states: S[]) => linearTargets(states),
      } satisfies Machine<S>;
    }
    case 'ChangeIt': {
      type S = { img: number };
      const step = e.step_size as number;
      const atStart = (s: S) => s.img - step < 0;
      const atEnd = (s: S) => s.img + step >= n;
      return {
        start: { img: e.first_image },
        key: (s: S) => String(s.img),
        view: (s: S) => path(e.image_template, { image: s.img }),
        offered: (s: S) => {
          const o = [...e.options];
          if (atStart(s)) removeFirst(o, 'Rewind the video.', 'options');
          else if (atEnd(s)) removeWait(o);
          return o;
        },
        correct: (s: S) => {
          const o = [...correctAll];
          if (atStart(s)) removeFirst(o, 'Rewind the video.', 'correct options');
          else if (atEnd(s)) removeWait(o);
          return o;
        },
        answerable: () => true,
        next: (s: S, a: PBAction) => ({ img: a === 'REWIND' ? s.img - step : s.img + step }),
        space: ACTION_SPACE[ds],
        maxSteps: e.max_steps as number,
        reference: path(e.image_template, { image: e.reference_image }),
        fallbackTargets: (states: S[]) => {
          const d = states.map((s) => Math.abs(s.img - e.reference_image));
          const best = Math.min(...d);
          return d.flatMap((x, i) => (x === best ? [i] : []));
        },
      } satisfies Machine<S>;
    }
    case 'coco2014':
      return cocoMachine(e);
  }
}

/** coco2014: crops of one photo (COCO2014Environment). */
function cocoMachine(e: PBEntry): Machine<{ nh: number; nv: number }> {
  type S = { nh: number; nv: number };
  const dir = e.direction as string;
  const g = e.granularity as number;
  const h0 = e.horizontal_step as number;
  const v0 = e.vertical_step as number;
  const crop = e.crop as { top: number; left: number; height: number; width: number };
  const zoom = dir.includes('zoom');
  let maxSteps: number;
  let maxH = 0;
  let maxV = 0;
  const space: PBAction[] = [];
  if (zoom) {
    space.push('ZOOM');
    maxSteps = g + 1;
    maxH = h0 * maxSteps;
    maxV = v0 * maxSteps;
  } else {
    maxSteps = dir.includes('_') ? g * 2 : g;
    if (dir.includes('up')) {
      space.push('UP');
      maxV = v0 * g;
    }
    if (dir.includes('down')) {
      space.push('DOWN');
      maxV = v0 * g;
    }
    if (dir.includes('left')) {
      space.push('LEFT');
      maxH = h0 * g;
    }
    if (dir.includes('right')) {
      space.push('RIGHT');
      maxH = h0 * g;
    }
  }
  // Step sizes after k moves, with the environment's float operations in the same order.
  const stepAfter = (s0: number, k: number) => {
    let s = s0;
    for (let i = 1; i <= k; i++) s = (s / i) * (i + 1);
    return s;
  };
  const FARTHER = 'Move farther from the object.';
  const prune = (list: string[], s: S, correct: boolean) => {
    const o = [...list];
    const h = stepAfter(h0, s.nh);
    const v = stepAfter(v0, s.nv);
    if (dir === 'zoom') {
      if (h === maxH) removeFirst(o, FARTHER, correct ? 'correct options' : 'options');
    } else {
      const drop = (t: string) => {
        const i = o.indexOf(t);
        if (i >= 0) o.splice(i, 1);
      };
      if (h >= maxH) {
        drop('Move the camera to the left.');
        drop('Move the camera to the right.');
      }
      if (v >= maxV) {
        drop('Move the camera up.');
        drop('Move the camera down.');
      }
    }
    return o;
  };
  const correctAll = e.options.filter((o) => !isAbstainOption(o));
  const box = (s: S): CropBox => {
    const h = stepAfter(h0, s.nh);
    const v = stepAfter(v0, s.nv);
    const top = dir.includes('up') || zoom ? crop.top - v : crop.top;
    const left = dir.includes('left') || zoom ? crop.left - h : crop.left;
    let bottom = dir.includes('down') || zoom ? crop.height + v : crop.height;
    let right = dir.includes('right') || zoom ? crop.width + h : crop.width;
    if (dir === 'zoom') {
      bottom += crop.top;
      right += crop.left;
    }
    const l = roundHalfEven(left);
    const t = roundHalfEven(top);
    // PIL clamps an inverted box to zero size.
    return { left: l, top: t, right: Math.max(l, roundHalfEven(right)), bottom: Math.max(t, roundHalfEven(bottom)) };
  };
  return {
    start: { nh: 0, nv: 0 },
    key: (s) => `${s.nh},${s.nv}`,
    view: (s) => ({ path: e.image_template, crop: box(s) }),
    offered: (s) => prune(e.options, s, false),
    correct: (s) => prune(correctAll, s, true),
    answerable: () => true,
    next: (s, a) => ({
      nh: s.nh + (a === 'LEFT' || a === 'RIGHT' || a === 'ZOOM' ? 1 : 0),
      nv: s.nv + (a === 'UP' || a === 'DOWN' || a === 'ZOOM' ? 1 : 0),
    }),
    space,
    maxSteps,
    reference: { path: e.image_template },
    fallbackTargets: (states) => states.flatMap((s, i) => (prune(correctAll, s, true).length === 0 ? [i] : [])),
  };
}

function sameRef(a: ViewRef, b: ViewRef): boolean {
  if (!('path' in a) || !('path' in b) || a.path !== b.path) return false;
  const ca = a.crop;
  const cb = b.crop;
  if (!ca || !cb) return !ca && !cb;
  return ca.left === cb.left && ca.top === cb.top && ca.right === cb.right && ca.bottom === cb.bottom;
}

export interface BuildWhere {
  file: string;
  line: number;
}

/** Build the episode for one checked entry (`id` is the episode id to give it). */
export function buildNativeEpisode(ds: PBDataset, e: PBEntry, id: string, where: BuildWhere): SuiteEpisode {
  try {
    return build(ds, e, id);
  } catch (err) {
    if (err instanceof EntryError || (err instanceof Error && err.message.startsWith('image_template'))) {
      throw new DataError(`${ds} entry id ${JSON.stringify(e.id)}: ${err.message}`, { ...where, cause: err });
    }
    throw err;
  }
}

function build(ds: PBDataset, e: PBEntry, id: string): SuiteEpisode {
  const info = DATASET_INFO[ds];
  const m = machineFor(ds, e);
  if (!Number.isInteger(m.maxSteps) || m.maxSteps < 1) throw new EntryError(`the turn limit works out to ${m.maxSteps}; it must be a positive integer`);
  const optionIndex = (text: string, used: Set<number>): number => {
    // Duplicated option texts map to successive indices.
    for (let i = 0; i < e.options.length; i++) if (e.options[i] === text && !used.has(i)) return i;
    throw new EntryError(`option ${JSON.stringify(text)} is not in options`);
  };
  const states: unknown[] = [];
  const depth: number[] = [];
  const index = new Map<string, number>();
  const add = (s: unknown, d: number): number => {
    const k = m.key(s);
    const got = index.get(k);
    if (got !== undefined) return got;
    index.set(k, states.length);
    states.push(s);
    depth.push(d);
    return states.length - 1;
  };
  add(m.start, 0);
  const steps: ViewStep[] = [];
  for (let v = 0; v < states.length; v++) {
    const s = states[v];
    const offeredTexts = m.offered(s);
    const used = new Set<number>();
    const offered = offeredTexts.map((t) => {
      const i = optionIndex(t, used);
      used.add(i);
      return i;
    });
    const correct = new Set(m.correct(s));
    const next: Record<number, number> = {};
    for (const i of offered) {
      const text = e.options[i];
      if (!correct.has(text)) continue;
      const a = actionOf(text, m.space);
      if (a === null) throw new EntryError(`option ${JSON.stringify(text)} names none of the moves of this entry (${m.space.join(', ')})`);
      if (typeof a === 'object') throw new EntryError(`option ${JSON.stringify(text)} names two moves (${a.conflict.join(' and ')})`);
      // On the last turn ProactiveBench still counts a correct move as valid ("correct" action
      // evaluation), then stops on the turn limit: the move stays valid here, pointing at this
      // view (never shown: the episode ends on max-turns first).
      next[i] = depth[v] + 1 < m.maxSteps ? add(m.next(s, a), depth[v] + 1) : v;
    }
    const step: ViewStep = { offered, next };
    if (!m.answerable(s)) step.answerable = false;
    steps.push(step);
  }
  const views = states.map((s) => m.view(s));

  // Reference view: a reachable state showing the reference image where the answer counts.
  const matching = views.flatMap((r, v) => (sameRef(r, m.reference) && steps[v].answerable !== false ? [v] : []));
  let referenceView: number;
  if (matching.length) referenceView = matching[0];
  else {
    referenceView = views.length;
    views.push(m.reference);
    steps.push({ offered: [], next: {} });
  }
  const targets = matching.length ? matching : m.fallbackTargets(states, depth);
  const minInterventions = targets.length ? Math.min(...targets.map((t) => depth[t])) : 0;

  const pre = info.prePrompt ? `${info.prePrompt} ` : '';
  const abstain = e.options.flatMap((o, i) => (isAbstainOption(o) ? [i] : []));
  return {
    id,
    kind: info.kind,
    question: pre + e.prompt,
    referenceQuestion: pre + (info.referencePrompt ?? e.prompt),
    hint: hintFor(ds, e),
    views,
    firstView: 0,
    referenceView,
    categories: [...e.categories],
    answer: e.categories.indexOf(e.answer),
    interventions: [...e.options],
    abstain,
    steps,
    maxTurns: m.maxSteps,
    control: false,
    minInterventions,
    meta: { dataset: ds, sourceId: e.id, targetViews: targets, ...corruptionMeta(ds, e) },
  };
}

/** ImageNet-C's variant for per-corruption results: the corruption its valid enhancement undoes. */
function corruptionMeta(ds: PBDataset, e: PBEntry): { corruption?: string } {
  const c = ds === 'ImageNet-C' ? corruptionOfAnswer(String(e.quality_answer)) : undefined;
  return c ? { corruption: c } : {};
}
