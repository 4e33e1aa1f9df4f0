/**
 * One ProactiveBench entry → one askfirst Episode, by replaying the state machine of its
 * environment class (tdemin16/proactivebench `environment.py`, read to learn, not copied):
 * `get_state` (which image, which options), `_get_valid_options`, `_get_correct_options_and_categories`,
 * `_prepare_next_state` and `max_steps`. Every state the environment can show within its turn
 * limit becomes one view of the episode, discovered breadth-first from the first state, so
 * `firstView` is 0. Where the environment's state is more than an image index, a state is
 * expanded into distinct views that may point at the same file. Each dataset's machine, with what
 * its state is, is in `machines/` (one file per environment class; `machines/index.ts` picks it).
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
import { DATASET_INFO, actionOf, corruptionOfAnswer, hintFor, isAbstainOption, type PBDataset, type PBEntry } from './datasets.js';
import { machineFor } from './machines/index.js';
import { EntryError } from './machines/machine.js';
import type { SuiteEpisode, ViewRef } from '../types.js';

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
