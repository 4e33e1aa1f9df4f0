/**
 * The ask gate's answerability prior A(u, t) (agents/builtin/model.ts), fitted before RL.
 *
 * RL alone teaches the gate one threshold on the category head's confidence: the default reward
 * makes asking the better bet on any view the classifier is unsure of, and once the gate asks
 * there, groups rarely sample an answer, so extra gate inputs get no signal (issue 18,
 * docs/transfer.md). A is taught where it cannot saturate: a supervised target for every view of
 * the RL training episodes — the oracle's flag "this view does not show enough" (the
 * `informative` flags the generator writes; the policy never sees them) — from u (the model's
 * uncertainty over the shown categories) and t (which way the object lies and how much of it runs
 * past each edge of the frame, from the where map). Then RL keeps it frozen, beside the gate it
 * trains. **What it sees:** the RL training suite's own episodes (the RL training kinds only:
 * sketch and camera by default), every view, and their oracle flags; no other kind's episode.
 *
 * The fit is seeded and full-batch, so the same episodes and checkpoint give the same prior on any
 * machine; A is re-initialised from the seed first (a checkpoint's copy, zero or not, is replaced).
 */
import { z } from 'zod';
import { AdamW, kaimingUniform, noGrad, sigmoid, tensor, type Tensor } from '../nn/index.js';
import { Rng } from '../util/rng.js';
import { EpisodeState } from '../episode/state.js';
import { headBatch } from '../agents/builtin/features.js';
import type { FeatureCache } from '../agents/builtin/feature-cache.js';
import { ANSWER_IN, answerabilityInputs, splitFeatures, towardObject, type MultimodalModel } from '../agents/builtin/model.js';
import type { Vocab } from '../agents/builtin/vocab.js';
import type { SuiteEpisode } from '../suite/types.js';
import { binaryCrossEntropy } from './supervised.js';

export const AnswerabilityConfigSchema = z.object({
  steps: z.number().int().min(0).default(300).describe('full-batch optimizer steps of the fit (0 = no prior: the gate is RL\u2019s alone)'),
  lr: z.number().positive().default(0.01).describe('AdamW learning rate of the fit'),
  weightDecay: z.number().min(0).default(0.001).describe('AdamW weight decay of the fit'),
  seed: z.number().int().min(0).default(0).describe('seed of A\u2019s initialisation'),
});
export type AnswerabilityConfig = z.output<typeof AnswerabilityConfigSchema>;

export interface AnswerabilityFit {
  /** Views fitted on. */
  views: number;
  /** Share of them that do not show enough. */
  needAsk: number;
  /** Final mean logistic loss. */
  loss: number;
  /** Share of views whose A > 0 agrees with the flag. */
  accuracy: number;
}

/** Every (episode, view) of `episodes` that has an oracle flag, with its target (1: does not show enough). */
export function answerabilityTargets(episodes: readonly SuiteEpisode[]): { episode: SuiteEpisode; view: number; target: number }[] {
  return episodes.flatMap((e) => e.views.flatMap((_, v) => (e.informative?.[v] === undefined ? [] : [{ episode: e, view: v, target: e.informative[v] ? 0 : 1 }])));
}

/** A's inputs for the given views: u over the episode's shown categories, and t from the where map. */
async function inputsFor(model: MultimodalModel, vocab: Vocab, cache: FeatureCache, items: readonly { episode: SuiteEpisode; view: number }[]): Promise<Tensor> {
  const all = new Float32Array(items.length * ANSWER_IN);
  const obsOf = new Map<SuiteEpisode, ReturnType<EpisodeState['observe']>>();
  for (let i = 0; i < items.length; i += 256) {
    const chunk = items.slice(i, i + 256);
    const f = await cache.get(chunk);
    // u depends on the shown categories only, which every turn of an episode shows alike: the first turn's text serves every view
    const obs = chunk.map((it) => obsOf.get(it.episode) ?? obsOf.set(it.episode, new EpisodeState(it.episode, 'proactive').observe()).get(it.episode)!);
    const x = noGrad(() => {
      const { h, where } = splitFeatures(f, model.config.hidden, model.whereSize);
      if (!where) throw new Error('answerability: the feature cache gave no where map');
      const out = model.headParts(h, null, headBatch(obs, vocab));
      return answerabilityInputs(out.uncertainty, towardObject(where));
    });
    all.set(x.data, i * ANSWER_IN);
  }
  return tensor(all, [items.length, ANSWER_IN]);
}

/**
 * Fit A on every flagged view of `episodes` (logistic loss against "does not show enough"),
 * in place on `model`. The caller keeps A frozen afterwards (`perceptionParameters`).
 */
export async function fitAnswerability(model: MultimodalModel, vocab: Vocab, episodes: readonly SuiteEpisode[], cache: FeatureCache, partial: Partial<AnswerabilityConfig> = {}): Promise<AnswerabilityFit> {
  const cfg = AnswerabilityConfigSchema.parse(partial);
  const items = answerabilityTargets(episodes);
  if (!items.length || cfg.steps === 0) return { views: items.length, needAsk: NaN, loss: NaN, accuracy: NaN };
  const x = await inputsFor(model, vocab, cache, items);
  const y = tensor(Float32Array.from(items, (it) => it.target), [items.length, 1]);
  // re-initialise A from the seed (He-uniform first layer, zero output layer as at construction, so A starts at 0)
  const rng = new Rng(cfg.seed * 7727 + 5);
  model.answer1.weight.data.set(kaimingUniform(model.answer1.weight.shape, rng));
  model.answer1.bias!.data.fill(0);
  model.answer2.weight.data.fill(0);
  model.answer2.bias!.data.fill(0);
  const params = model.answerabilityParameters();
  const opt = new AdamW(params, { lr: cfg.lr, weightDecay: cfg.weightDecay });
  let loss = NaN;
  for (let s = 0; s < cfg.steps; s++) {
    opt.zeroGrad();
    const l = binaryCrossEntropy(sigmoid(model.answerability(x)), y);
    l.backward();
    opt.step();
    loss = l.item();
  }
  const z = noGrad(() => model.answerability(x)).data;
  let ok = 0;
  items.forEach((it, i) => (ok += (z[i] > 0 ? 1 : 0) === it.target ? 1 : 0));
  return { views: items.length, needAsk: items.filter((it) => it.target === 1).length / items.length, loss, accuracy: ok / items.length };
}
