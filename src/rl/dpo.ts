/**
 * DPO — Direct Preference Optimization (Rafailov et al. 2023), straight from labelled pairs of
 * trajectories, with no reward model and no rollouts:
 *
 *   L = −log σ( β·[ (log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l)) ] )
 *
 * where y is a whole play of an episode and log π(y) = Σ_t log π(a_t | s_t) over its turns (the
 * built-in policy's option log-probabilities, recomputed by replaying the play). π_ref is the
 * policy the pairs were sampled from: the supervised model with its ask gate opened to
 * `askPrior`, exactly RL's starting point (run.ts), so DPO and RLHF start from the same place.
 * Trains the same parameters as RL (the heads; the encoder stays frozen) and shares RL's run
 * directory, evaluation and checkpoints.
 */
import { clipGradNorm, gather, matmul, mulScalar, noGrad, reshape, sub, tensor, type Tensor } from '../nn/index.js';
import { EpisodeState } from '../episode/state.js';
import { headBatch, type TextObservation } from '../agents/builtin/features.js';
import type { MultimodalModel } from '../agents/builtin/model.js';
import type { BuiltinPolicy } from '../agents/builtin/policy.js';
import type { SuiteEpisode } from '../suite/types.js';
import { resolveConfig } from '../util/config.js';
import { DataError, InputError } from '../util/errors.js';
import { progress } from '../util/progress.js';
import { Means } from '../util/stats.js';
import { preferenceLoss } from './preference-loss.js';
import type { PreferenceExample } from './reward-model.js';
import { RLRun, type RLContext, type RLResult } from './run.js';
import { DPOConfigSchema, type DPOConfig } from './configs.js';
import type { Trajectory } from './trajectory-features.js';

// ── config ──────────────────────────────────────────────────────────────────
export function resolveDPOConfig(partial: unknown): DPOConfig {
  return resolveConfig(DPOConfigSchema, partial, 'DPO');
}

/** One turn of a replayed play. */
interface Turn {
  episode: SuiteEpisode;
  view: number;
  text: TextObservation;
  action: number;
}

/**
 * Replay a play's replies through the protocol: its turns with the chosen option index — the option whose text the
 * reply is, else the one the protocol reads in it ("D.", "D. lightning", as `feedback pairs` accepted it from any
 * results.jsonl: an `openai:` VLM's, or the built-in model's with letter replies). Was: exact text only, so `train dpo`
 * stopped on the first such play that `feedback pairs`, `feedback simulate` and `train reward` had all taken.
 */
export function replayTurns(t: Trajectory): Turn[] {
  const s = new EpisodeState(t.episode, 'proactive');
  return t.record.replies.map((reply) => {
    if (s.done) throw new DataError(`trajectory of episode "${t.episode.id}" has more replies than the episode allows`);
    const o = s.observe();
    const exact = o.options.indexOf(reply);
    const parsed = s.step(reply);
    const action = exact >= 0 ? exact : parsed.type === 'unparseable' ? -1 : parsed.option;
    if (action < 0) throw new DataError(`trajectory of episode "${t.episode.id}": reply "${reply}" is not one of the options shown at turn ${o.turn + 1}`);
    return { episode: t.episode, view: o.view, text: { question: o.question, options: o.options, numInterventions: o.numInterventions, view: o.view, history: o.history.map((h) => ({ reply: h.reply, view: h.view })) }, action };
  });
}

/**
 * Σ_t log π(a_t) per play (with gradient through `model` unless called under noGrad); `h` holds
 * the image features of every turn of `plays`, in order (`cache.get(plays.flat())`).
 */
function playLogp(model: MultimodalModel, policy: BuiltinPolicy, h: Tensor, plays: readonly Turn[][], textCache: Map<string, number[]>): Tensor {
  const turns = plays.flat();
  const out = model.head(h, headBatch(turns.map((t) => t.text), policy.vocab, textCache));
  const lp = gather(out.logp, turns.map((t) => t.action)); // [T]
  // Sum each play's turns: a [P, T] 0/1 matrix times the turn log-probs.
  const P = plays.length;
  const T = turns.length;
  const S = new Float32Array(P * T);
  let k = 0;
  plays.forEach((p, i) => p.forEach(() => (S[i * T + k++] = 1)));
  return matvec(tensor(S, [P, T]), lp);
}

const matvec = (m: Tensor, v: Tensor) => reshape(matmul(m, reshape(v, [v.shape[0], 1])), [m.shape[0]]);

/**
 * The labelled pairs DPO learns from: those where neither play ends on a reply naming no option (an `openai:` VLM's,
 * which `feedback pairs` takes and the reward model reads), which has no probability under the built-in policy.
 */
export const dpoUsablePairs = (given: readonly PreferenceExample[]): PreferenceExample[] => given.filter((e) => e.a.record.outcome !== 'unparseable' && e.b.record.outcome !== 'unparseable');

// ── training loop ───────────────────────────────────────────────────────────
export async function trainDPO(partial: unknown, ctx: RLContext, given: readonly PreferenceExample[]): Promise<RLResult> {
  const cfg = resolveDPOConfig(partial);
  if (!given.length) throw new InputError('DPO needs labelled pairs; none were given');
  // The pairs of a play that ends on a reply naming no option are left out (dpoUsablePairs), said once. Was: the run
  // stopped on the first, so one such play in a project stopped DPO on all of its labels.
  const examples = dpoUsablePairs(given);
  if (!examples.length) throw new InputError(`DPO has no pair to learn from: in each of the ${given.length} labelled pairs a play ends on a reply that names no option`);
  if (examples.length < given.length) ctx.log?.(`dpo: warning: ${given.length - examples.length} of ${given.length} labelled pairs left out: a play in each ends on a reply that names no option, which the built-in policy gives no probability`);
  const run = await new RLRun(cfg, ctx, { stage: 'dpo', unit: 'step' }).init();
  if (run.alreadyFinished) return run.finish(undefined);
  const textCache = new Map<string, number[]>();
  // 1. Replay every play once, and its log-probability under the frozen reference.
  const plays = new Map<Trajectory, Turn[]>();
  for (const e of examples) for (const t of [e.a, e.b]) if (!plays.has(t)) plays.set(t, replayTurns(t));
  const refLogp = new Map<Trajectory, number>();
  const all = [...plays.keys()];
  for (let i = 0; i < all.length; i += 256) {
    const chunk = all.slice(i, i + 256);
    const ps = chunk.map((t) => plays.get(t)!);
    const h = await run.cache.get(ps.flat());
    const lp = noGrad(() => playLogp(run.ref, ctx.policy, h, ps, textCache));
    chunk.forEach((t, j) => refLogp.set(t, lp.data[j]));
  }
  let warned = false;
  const bar = progress('DPO', cfg.updates, { enabled: cfg.progress, unit: 'steps' });
  run.bar = bar; // a divergence ends it as stopped, and no other run's (nn/diverged.ts)
  bar.tick(run.update);
  while (run.running) {
    const t0 = performance.now();
    // 2. A minibatch of labelled pairs: winners and losers.
    const batch = Array.from({ length: Math.min(cfg.pairsPerStep, examples.length) }, () => examples[run.rng.int(examples.length)]);
    const win = batch.map((e) => (e.preferred === 0 ? e.a : e.b));
    const lose = batch.map((e) => (e.preferred === 0 ? e.b : e.a));
    const ps = [...win, ...lose].map((t) => plays.get(t)!);
    const lp = playLogp(ctx.policy.model, ctx.policy, await run.cache.get(ps.flat()), ps, textCache); // [2B]
    const B = batch.length;
    const ref = Float32Array.from([...win, ...lose], (t) => refLogp.get(t)!);
    const diff = sub(lp, tensor(ref, [2 * B])); // log π − log π_ref per play
    const sel = (lo: number) => {
      const m = new Float32Array(B * 2 * B);
      for (let i = 0; i < B; i++) m[i * 2 * B + lo + i] = 1;
      return matvec(tensor(m, [B, 2 * B]), diff);
    };
    const margin = mulScalar(sub(sel(0), sel(B)), cfg.beta); // [B]
    // 3. −log σ(margin), stably (preference-loss.ts), one step.
    const loss = preferenceLoss(margin);
    run.stopIfDiverged(loss.item());
    run.opt.zeroGrad();
    loss.backward();
    const gradNorm = clipGradNorm(run.params, cfg.maxGradNorm);
    // Plays that differ only in the category named give the trained parameters no gradient: the ask gate's
    // log P(answer) is in both and cancels, and the category head is frozen. Say so once instead of training nothing.
    if (!warned && gradNorm < 1e-6) {
      warned = true;
      ctx.log?.(
        `dpo: warning: the gradient is ${gradNorm.toExponential(1)} at step ${run.update + 1} — the labelled pairs seem to differ only in choices DPO does not train (which category is named; the encoder and category head stay frozen), so the loss stays at ln 2. Pair plays that differ in whether, when or what they ask (e.g. a trained policy's plays against the guesser's)`,
      );
    }
    run.opt.step();
    run.update++;
    const stats = new Means();
    stats.add({ loss: loss.item(), accuracy: Array.from(margin.data).filter((v) => v > 0).length / B, margin: Array.from(margin.data).reduce((a, b) => a + b, 0) / B, gradNorm });
    // 4. Log, evaluate when due, checkpoint when due.
    const m: Record<string, number> = { ...stats.prefixed('dpo/'), 'time/optimise': (performance.now() - t0) / 1000 };
    if (run.update % cfg.evalEvery === 0 || run.update === cfg.updates) {
      const ev = await run.evaluate(run.val);
      Object.assign(m, { 'eval/accuracy': ev.accuracy, 'eval/psRate': ev.psRate, ...(ev.overAsking !== null ? { 'eval/overAsking': ev.overAsking } : {}), ...(ev.guessRate !== null ? { 'eval/guessRate': ev.guessRate } : {}) }); // no control episode: over-asking undefined, not logged
    }
    run.log(m);
    await run.maybeCheckpoint();
    bar.tick(1, { loss: m['dpo/loss'].toFixed(3) });
  }
  bar.stop();
  return run.finish({ stage: 'dpo', algorithm: 'dpo', config: cfg });
}
