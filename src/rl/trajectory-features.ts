/**
 * What a reward model sees of a trajectory (one play of an episode), computed on the built-in
 * model's frozen encoder and heads: the reward model of LLaVA-RLHF (Sun et al. 2023) reads the
 * image and the reply; ours reads, per turn, the encoder's view of the image through the
 * category scorer (how sure the model is, of what, and of the category the play named) and what
 * the play did. The fact-augmented variant ("Factually Augmented RLHF") also reads the facts the
 * annotator saw beside the pair — what the scene generator knows: which object it is (so whether
 * the named category is right), how much each view showed (informative or not) and whether the
 * first view was answerable (a control episode).
 *
 * Features are small and named (PLAIN_FEATURES, FACT_FEATURES) so a learned reward stays
 * inspectable; the reward model (reward-model.ts) standardises them and learns on top.
 */
import { EpisodeState } from '../episode/state.js';
import type { EpisodeRecord } from '../episode/types.js';
import { noGrad } from '../nn/index.js';
import { headBatch } from '../agents/builtin/features.js';
import type { FeatureCache } from '../agents/builtin/feature-cache.js';
import type { BuiltinPolicy } from '../agents/builtin/policy.js';
import type { SuiteEpisode } from '../suite/types.js';
import { DataError } from '../util/errors.js';

/** A play to score: the episode (views resolvable by the cache's loader) and its record. */
export interface Trajectory {
  episode: SuiteEpisode;
  record: EpisodeRecord;
}

export const PLAIN_FEATURES = [
  'validAsks',
  'turnShare',
  'endsCategory',
  'endsAbstain',
  'endsInvalid',
  'endsMaxTurns',
  'finalChosenP',
  'finalMaxP',
  'finalEntropy',
  'firstMaxP',
  'firstEntropy',
  'asksFirst',
  'askWhenSure',
  'answerWhenUnsure',
] as const;

export const FACT_FEATURES = ['correct', 'wrong', 'answeredInformative', 'asksUninformative', 'asksInformative', 'control'] as const;

export type RewardVariant = 'plain' | 'fact';

export function featureNames(variant: RewardVariant): string[] {
  return variant === 'plain' ? [...PLAIN_FEATURES] : [...PLAIN_FEATURES, ...FACT_FEATURES];
}

/** Per-turn perception of the frozen model: max p and normalised entropy over the shown categories, and p of each category option. */
export interface TurnPerception {
  maxP: number;
  entropy: number;
  /** P(category option k) renormalised over the categories (NaN for interventions). */
  catP: Float64Array;
  /** The options shown at this turn (interventions first). */
  options: readonly string[];
}

/**
 * Replay every trajectory's replies and run the frozen model's head on every turn (image features
 * from `cache`): one TurnPerception per reply, per trajectory.
 */
export async function turnPerceptions(model: BuiltinPolicy, cache: FeatureCache, trajs: readonly Trajectory[]): Promise<TurnPerception[][]> {
  const items: { episode: SuiteEpisode; view: number; text: ReturnType<EpisodeState['observe']> }[] = [];
  const first: number[] = [];
  for (const t of trajs) {
    first.push(items.length);
    const s = new EpisodeState(t.episode, 'proactive');
    for (const reply of t.record.replies) {
      if (s.done) throw new DataError(`trajectory of episode "${t.episode.id}" has more replies than the episode allows`);
      const o = s.observe();
      items.push({ episode: t.episode, view: o.view, text: o });
      s.step(reply);
    }
  }
  const perception: TurnPerception[] = [];
  const textCache = new Map<string, number[]>();
  for (let i = 0; i < items.length; i += 512) {
    const chunk = items.slice(i, i + 512);
    const h = await cache.get(chunk);
    const out = noGrad(() => model.model.head(h, headBatch(chunk.map((c) => c.text), model.vocab, textCache)));
    const K = out.logp.shape[1];
    chunk.forEach((c, r) => {
      const n = c.text.options.length;
      const ni = c.text.numInterventions;
      const row = out.logp.data.subarray(r * K, r * K + n);
      let z = 0;
      for (let k = ni; k < n; k++) z += Math.exp(row[k]);
      const catP = new Float64Array(n).fill(Number.NaN);
      for (let k = ni; k < n; k++) catP[k] = Math.exp(row[k]) / Math.max(z, 1e-30);
      perception.push({ maxP: out.uncertainty[r * 6], entropy: out.uncertainty[r * 6 + 1], catP, options: c.text.options });
    });
  }
  return trajs.map((t, j) => perception.slice(first[j], first[j] + t.record.replies.length));
}

/**
 * Replay every trajectory's replies, run the frozen model's head on every turn (image features
 * from `cache`) and return one feature row per trajectory (`featureNames(variant)` order).
 */
export async function trajectoryFeatures(model: BuiltinPolicy, cache: FeatureCache, trajs: readonly Trajectory[], variant: RewardVariant): Promise<Float32Array[]> {
  return featuresFromPerceptions(trajs, await turnPerceptions(model, cache, trajs), variant);
}

/** One feature row per trajectory (`featureNames(variant)` order) from its turns' perceptions (turnPerceptions). */
export function featuresFromPerceptions(trajs: readonly Trajectory[], perceptions: readonly (readonly TurnPerception[])[], variant: RewardVariant): Float32Array[] {
  return trajs.map((t, j) => {
    const r = t.record;
    const P = perceptions[j];
    const last = r.actions.length - 1;
    const fin = P[last];
    const a = r.actions[last];
    const isCat = a.type === 'category';
    const chosenP = isCat ? fin.catP[a.option] : 0;
    let askWhenSure = 0;
    r.actions.forEach((x, k) => {
      if (x.type === 'intervention' || x.type === 'abstain') askWhenSure += P[k].maxP;
    });
    const row: number[] = [
      r.interventions,
      r.turns / Math.max(1, t.episode.maxTurns),
      isCat ? 1 : 0,
      r.outcome === 'abstain' ? 1 : 0,
      r.outcome === 'invalid-intervention' || r.outcome === 'unparseable' ? 1 : 0,
      r.outcome === 'max-turns' ? 1 : 0,
      chosenP,
      fin.maxP,
      fin.entropy,
      P[0].maxP,
      P[0].entropy,
      r.actions[0].type === 'category' ? 0 : 1,
      askWhenSure,
      isCat ? 1 - chosenP : 0,
    ];
    if (variant === 'fact') {
      const inf = r.informative ?? [];
      const asks = (want: boolean) => r.actions.filter((x, k) => x.type === 'intervention' && x.valid && inf[k] === want).length;
      row.push(r.success ? 1 : 0, isCat && !r.success ? 1 : 0, isCat && inf[last] === true ? 1 : 0, asks(false), asks(true), r.control ? 1 : 0);
    }
    return Float32Array.from(row);
  });
}
