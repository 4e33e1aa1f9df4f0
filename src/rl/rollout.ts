/**
 * Batched rollouts for RL on the built-in model. Every trajectory of a batch (episodes × G
 * samples) is stepped together, so each turn is one batched head forward pass. Image features
 * come from a cache keyed by the view itself: with the encoder frozen (head-only RL, the
 * default) each view is encoded once for the whole run.
 *
 * Two rollout shapes:
 *   - multi-turn (askfirst): play each episode to the end, G times, sampling each reply;
 *   - single-turn (ProactiveBench's RL recipe): one state per episode (a random view), G sampled
 *     replies to that state, each scored on its own.
 */
import { EpisodeState } from '../episode/state.js';
import type { EpisodeRecord, ParsedAction } from '../episode/types.js';
import { MASKED_LOGP, noGrad } from '../nn/index.js';
import { Rng } from '../util/rng.js';
import { yieldToEventLoop } from '../util/yield.js';
import { headBatch, type TextObservation } from '../agents/builtin/features.js';
import type { FeatureCache } from '../agents/builtin/feature-cache.js';
import type { HeadOutput, MultimodalModel } from '../agents/builtin/model.js';
import type { BuiltinPolicy } from '../agents/builtin/policy.js';
import type { SuiteEpisode } from '../suite/types.js';

/** One sampled turn, with what the update needs to recompute and compare it. */
export interface TurnSample {
  /** Index of its trajectory in the rollout. */
  traj: number;
  episode: SuiteEpisode;
  view: number;
  text: TextObservation;
  /** Chosen option index. */
  action: number;
  /** log π_old(action). */
  oldLogp: number;
  /** log π_old of the decision: P(ask) for an intervention turn, the category's probability otherwise. */
  oldDecision: number;
  /** log π_ref over the shown options (for the KL penalty). */
  refLogp: Float32Array;
  /** V(s) at rollout time (PPO). */
  value: number;
  /** Reward received for this turn (single-turn rollouts; multi-turn put the return on the last turn). */
  reward: number;
  /** How the reply parsed. */
  parsed: ParsedAction;
  /** Per shown option: 1 for an intervention valid at this view (the simulator's knowledge, for the which-term). */
  valid: Uint8Array;
}

/** 1 per shown intervention option that is valid at the state's current view, 0 elsewhere (categories too). */
export function validOptions(state: EpisodeState<unknown>, numOptions: number): Uint8Array {
  const out = new Uint8Array(numOptions);
  state.shown().interventions.forEach((o, i) => (out[i] = o.valid ? 1 : 0));
  return out;
}

export interface Trajectory {
  episode: SuiteEpisode;
  /** Indices into the rollout's samples, in turn order. */
  turns: number[];
  /** The finished record (multi-turn), or null for single-turn samples. */
  record: EpisodeRecord | null;
}

export interface Rollout {
  samples: TurnSample[];
  trajectories: Trajectory[];
}

function textOf(o: { question: string; options: string[]; numInterventions: number; view: number; history: readonly { reply: string; view: number }[] }): TextObservation {
  // the model reads replies and views of the history only (features.ts)
  return { question: o.question, options: o.options, numInterventions: o.numInterventions, view: o.view, history: o.history.map((t) => ({ reply: t.reply, view: t.view })) };
}

/** log P(ask) = log Σ_interventions π for an intervention choice; log π(a) for a category. */
export function decisionLogp(row: ArrayLike<number>, a: number, numInterventions: number): number {
  if (a >= numInterventions) return row[a];
  let p = 0;
  for (let k = 0; k < numInterventions; k++) p += Math.exp(row[k]);
  return Math.log(p + 1e-30);
}

/** Run the head on cached features (no graph) for current and reference models. */
async function forwardNoGrad(
  model: MultimodalModel,
  ref: MultimodalModel,
  cache: FeatureCache,
  items: { episode: SuiteEpisode; view: number; text: TextObservation }[],
  vocab: BuiltinPolicy['vocab'],
  textCache: Map<string, number[]>,
): Promise<{ out: HeadOutput; refOut: HeadOutput; K: number }> {
  const h = await cache.get(items);
  const hb = headBatch(items.map((i) => i.text), vocab, textCache);
  const out = noGrad(() => model.head(h, hb));
  const refOut = noGrad(() => ref.head(h, hb));
  return { out, refOut, K: hb.K };
}

/**
 * Multi-turn rollouts: G trajectories per episode, every turn sampled.
 *
 * `askOnly`: the policy with answering masked out — each turn is sampled from its own
 * probabilities over the intervention options other than "I cannot answer" (renormalised), or,
 * where none is shown, from all its options. Such a play keeps asking until the episode's turn
 * limit (or an intervention not valid there, or the last view's choice); the feedback demo pairs
 * the ones that ask on a view that already shows enough with the policy's ordinary plays, so a
 * reward model sees asking on and on (docs/feedback-rlhf.md). Not for training: the samples' log-probabilities are the
 * unmasked policy's.
 */
export async function rolloutMultiTurn(
  policy: BuiltinPolicy,
  ref: MultimodalModel,
  cache: FeatureCache,
  episodes: readonly SuiteEpisode[],
  G: number,
  rng: Rng,
  opts: { askOnly?: boolean } = {},
): Promise<Rollout> {
  const textCache = new Map<string, number[]>();
  const samples: TurnSample[] = [];
  const trajectories: Trajectory[] = [];
  const states: { s: EpisodeState<SuiteEpisode['views'][number]>; traj: number }[] = [];
  for (const ep of episodes) {
    for (let g = 0; g < G; g++) {
      trajectories.push({ episode: ep, turns: [], record: null });
      states.push({ s: new EpisodeState(ep, 'proactive'), traj: trajectories.length - 1 });
    }
  }
  let active = states;
  while (active.length) {
    const obs = active.map(({ s }) => s.observe());
    const items = active.map(({ s }, i) => ({ episode: s.episode as SuiteEpisode, view: obs[i].view, text: textOf(obs[i]) }));
    const { out, refOut, K } = await forwardNoGrad(policy.model, ref, cache, items, policy.vocab, textCache);
    const next: typeof active = [];
    active.forEach(({ s, traj }, r) => {
      trajectories[traj].turns.push(samples.length);
      samples.push(sampleTurn({ traj, ...items[r], state: s }, { out, refOut, K, r }, rng, opts.askOnly));
      if (s.done) trajectories[traj].record = s.record();
      else next.push({ s, traj });
    });
    active = next;
    await yieldToEventLoop(); // one turn of every trajectory at a time: Ctrl-C's handler runs between turns, not after the rollout
  }
  return { samples, trajectories };
}

/**
 * Sample a reply from row `r` of a batched forward pass (`K` options wide), step `at.state` with
 * it, and describe the turn (reward 0: the caller scores it).
 */
function sampleTurn(
  at: { traj: number; episode: SuiteEpisode; view: number; text: TextObservation; state: EpisodeState<unknown> },
  fwd: { out: HeadOutput; refOut: HeadOutput; K: number; r: number },
  rng: Rng,
  askOnly = false,
): TurnSample {
  const { out, refOut, K, r } = fwd;
  const n = at.text.options.length;
  const row = out.logp.data.subarray(r * K, r * K + n);
  const p = Array.from(row, Math.exp);
  if (askOnly) {
    const asks = at.state.shown().interventions.map((o) => !o.abstain);
    const masked = p.map((x, k) => (asks[k] ? x : 0));
    if (masked.some((x) => x > 0)) p.splice(0, n, ...masked);
  }
  const a = rng.categorical(p);
  const valid = validOptions(at.state, n);
  const parsed = at.state.step(at.text.options[a]);
  return {
    traj: at.traj,
    episode: at.episode,
    view: at.view,
    text: at.text,
    action: a,
    oldLogp: row[a],
    oldDecision: decisionLogp(row, a, at.text.numInterventions),
    refLogp: refOut.logp.data.slice(r * K, r * K + n),
    value: out.value.data[r],
    reward: 0,
    parsed,
    valid,
  };
}

/**
 * Single-turn rollouts (ProactiveBench's RL recipe): for each episode one state — a view drawn
 * uniformly from its views — and G sampled replies to it, each its own one-turn trajectory.
 * `reward(parsed)` scores each reply.
 */
export async function rolloutSingleTurn(
  policy: BuiltinPolicy,
  ref: MultimodalModel,
  cache: FeatureCache,
  episodes: readonly SuiteEpisode[],
  G: number,
  rng: Rng,
  reward: (a: ParsedAction) => number,
): Promise<Rollout> {
  const textCache = new Map<string, number[]>();
  const samples: TurnSample[] = [];
  const trajectories: Trajectory[] = [];
  const items: { episode: SuiteEpisode; view: number; text: TextObservation; state: EpisodeState<SuiteEpisode['views'][number]> }[] = [];
  for (const ep of episodes) {
    const view = rng.int(ep.views.length);
    const state = new EpisodeState({ ...ep, firstView: view }, 'proactive');
    const o = state.observe();
    for (let g = 0; g < G; g++) items.push({ episode: ep, view, text: textOf(o), state: g === 0 ? state : new EpisodeState({ ...ep, firstView: view }, 'proactive') });
  }
  const { out, refOut, K } = await forwardNoGrad(policy.model, ref, cache, items, policy.vocab, textCache);
  items.forEach((it, r) => {
    trajectories.push({ episode: it.episode, turns: [samples.length], record: null });
    const turn = sampleTurn({ traj: trajectories.length - 1, ...it }, { out, refOut, K, r }, rng);
    samples.push({ ...turn, reward: reward(turn.parsed) });
  });
  return { samples, trajectories };
}

/** Recompute the head with gradient for a minibatch of samples; returns log-probs [N, K], values [N] and padded ref log-probs. */
export async function forwardSamples(
  policy: BuiltinPolicy,
  cache: FeatureCache,
  batch: readonly TurnSample[],
  textCache: Map<string, number[]>,
): Promise<{ out: HeadOutput; K: number; refPadded: Float32Array }> {
  const h = await cache.get(batch);
  const hb = headBatch(batch.map((s) => s.text), policy.vocab, textCache);
  const out = policy.model.head(h, hb);
  const K = hb.K;
  const refPadded = new Float32Array(batch.length * K).fill(MASKED_LOGP);
  batch.forEach((s, r) => refPadded.set(s.refLogp, r * K));
  return { out, K, refPadded };
}
