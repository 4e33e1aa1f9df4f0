/**
 * What every scenario kind shares: object sampling, the wording (abstain option, questions,
 * hints), and `assembleEpisode`, which turns a kind's rendered views, per-view oracle scores
 * and transition graph into a protocol episode (docs/architecture.md §2) — informative flags, the
 * clearest (reference) view, the shortest path to an informative view (breadth-first search
 * over the valid interventions), four shuffled category options — and rejects any draw that
 * breaks the suite's guarantees, so the generator can resample it.
 */
import type { ViewStep } from '../../episode/types.js';
import type { RGBImage } from '../../scenes/image.js';
import type { Pose } from '../../scenes/masks.js';
import type { SceneRng } from '../../util/rng.js';
import { CATEGORIES } from '../../scenes/shapes.js';
import { informativeness, INFORMATIVE_MIN, UNINFORMATIVE_MAX, type OracleInput } from '../oracle.js';
import type { SuiteEpisode } from '../types.js';

export const ABSTAIN_TEXT = 'I cannot answer this question.';

/** What a kind's generator is given. */
export interface KindContext {
  /** View width = height in pixels. */
  size: number;
  rng: SceneRng;
  /** Make a control episode (first view answerable). */
  control: boolean;
  /** Category id to draw (the generator balances categories). */
  category: number;
  /** Skip the oracle measure (render-only benchmarks); scores come back NaN. */
  renderOnly?: boolean;
}

/** The oracle score of one view, unless the context is render-only. */
export function scoreView(ctx: KindContext, input: () => OracleInput): number {
  return ctx.renderOnly ? NaN : informativeness(input()).score;
}

/** What a kind's generator returns. */
export interface RawEpisode {
  views: RGBImage[];
  /** Oracle score per view (oracle.ts). */
  scores: number[];
  /** Tie-break among views scoring alike for the reference view (higher = clearer, e.g. occluder farther away). */
  clarity?: number[];
  /** First view for a non-control episode (must score ≤ UNINFORMATIVE_MAX). */
  firstView: number;
  interventions: string[];
  abstain: number[];
  steps: ViewStep[];
  question: string;
  referenceQuestion?: string;
  hint: string;
  meta?: Record<string, unknown>;
}

/** A draw that breaks a guarantee; the generator resamples. */
export class RejectedDraw extends Error {}

/** An object pose: centred with a little jitter, half-size `rMin..rMax` of the frame. */
export function samplePose(rng: SceneRng, size: number, rMin = 0.22, rMax = 0.35, jitter = 0.07): Pose {
  const r = size * rng.range(rMin, rMax);
  const j = size * jitter;
  return { cx: size / 2 + rng.range(-j, j), cy: size / 2 + rng.range(-j, j), r, sx: 1, sy: 1 };
}

/** Shortest number of valid interventions from `from` to any view with `good[v]` (Infinity if none). */
export function shortestPath(steps: readonly ViewStep[], from: number, good: readonly boolean[]): number {
  const dist = new Array<number>(steps.length).fill(-1);
  dist[from] = 0;
  const queue = [from];
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    if (good[v]) return dist[v];
    for (const to of Object.values(steps[v].next)) {
      if (dist[to] < 0) {
        dist[to] = dist[v] + 1;
        queue.push(to);
      }
    }
  }
  return Infinity;
}

/** Views reachable from `from` by valid interventions. */
export function reachable(steps: readonly ViewStep[], from: number): number[] {
  const seen = new Set([from]);
  const queue = [from];
  for (let q = 0; q < queue.length; q++)
    for (const to of Object.values(steps[queue[q]].next))
      if (!seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
  return [...seen];
}

/** Build the protocol episode, or throw RejectedDraw when a guarantee fails. */
export function assembleEpisode(raw: RawEpisode, ctx: KindContext, id: string, kind: string): SuiteEpisode {
  const informative = raw.scores.map((s) => s >= INFORMATIVE_MIN);
  if (!informative.some(Boolean)) throw new RejectedDraw('no informative view');
  // the clearest view: highest score (within 0.02), then highest clarity
  const top = Math.max(...raw.scores);
  let referenceView = -1;
  raw.scores.forEach((s, v) => {
    if (s < top - 0.02) return;
    if (referenceView < 0 || (raw.clarity?.[v] ?? 0) > (raw.clarity?.[referenceView] ?? 0)) referenceView = v;
  });
  let firstView = raw.firstView;
  if (ctx.control) {
    const answerable = informative.map((ok, v) => (ok ? v : -1)).filter((v) => v >= 0);
    firstView = ctx.rng.pick(answerable);
  } else if (raw.scores[firstView] > UNINFORMATIVE_MAX) {
    throw new RejectedDraw(`first view scores ${raw.scores[firstView].toFixed(2)} > ${UNINFORMATIVE_MAX}`);
  }
  const minInterventions = shortestPath(raw.steps, firstView, informative);
  if (!Number.isFinite(minInterventions)) throw new RejectedDraw('no informative view reachable from the first view');
  for (const v of reachable(raw.steps, firstView))
    if (!informative[v] && Object.keys(raw.steps[v].next).length === 0) throw new RejectedDraw(`view ${v} is a dead end`);
  if (minInterventions >= raw.views.length) throw new RejectedDraw('path longer than the turn budget');

  const distractors = ctx.rng.sample(
    CATEGORIES.map((_, i) => i).filter((i) => i !== ctx.category),
    3,
  );
  const order = ctx.rng.shuffle([ctx.category, ...distractors]);
  return {
    id,
    kind,
    question: raw.question,
    ...(raw.referenceQuestion ? { referenceQuestion: raw.referenceQuestion } : {}),
    hint: raw.hint,
    views: raw.views.map((image) => ({ image })),
    firstView,
    referenceView,
    categories: order.map((i) => CATEGORIES[i]),
    answer: order.indexOf(ctx.category),
    interventions: raw.interventions,
    abstain: raw.abstain,
    steps: raw.steps,
    maxTurns: raw.views.length,
    informative,
    control: ctx.control,
    minInterventions,
    meta: { ...raw.meta, scores: raw.scores.map((s) => Math.round(s * 1000) / 1000) },
  };
}

/**
 * Steps for a linear rail of `n` views (blocks sliding, video frames): intervention `back`
 * leads to v−1 and `fwd` to v+1 where they exist; only possible moves are offered, plus abstain.
 */
export function railSteps(n: number, back: number, fwd: number, abstain: number): ViewStep[] {
  const steps: ViewStep[] = [];
  for (let v = 0; v < n; v++) {
    const offered: number[] = [];
    const next: Record<number, number> = {};
    if (v > 0) {
      offered.push(back);
      next[back] = v - 1;
    }
    if (v < n - 1) {
      offered.push(fwd);
      next[fwd] = v + 1;
    }
    offered.push(abstain);
    steps.push({ offered, next });
  }
  return steps;
}

/** Steps for a one-way ladder (rotate, enhance, add detail): each of `valid` leads to v+1; `shown` is offered everywhere. */
export function ladderSteps(n: number, valid: number[], shown: number[], onlyValidAtEnd = true): ViewStep[] {
  const steps: ViewStep[] = [];
  for (let v = 0; v < n; v++) {
    const next: Record<number, number> = {};
    if (v < n - 1) for (const i of valid) next[i] = v + 1;
    const offered = v < n - 1 || !onlyValidAtEnd ? shown.slice() : shown.filter((i) => !valid.includes(i));
    steps.push({ offered, next });
  }
  return steps;
}
