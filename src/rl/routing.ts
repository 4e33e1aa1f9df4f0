/**
 * Routing preference labels between people and an AI labeller ("Hybrid Preferences", Miranda et
 * al. 2024): the AI labels every pair; a router spends a budget of human labels on the pairs
 * where a person is worth most, and the reward model trains on the mix.
 *
 * The AI labeller here is the pair judge (pair-judge.ts): the gold reward's weights with the
 * built-in model's perception of every view of the pair standing in for the scene's facts — so it
 * is systematically wrong where the model's perception is (a view it wrongly takes to show enough,
 * an object it recognises wrongly even on the best view). Its confidence in a label is the gap
 * between its two values.
 *
 * Because the judge is *confidently* wrong exactly where it matters, its own margin is a poor
 * router: the pairs it gets wrong are not the ones it is unsure of. So, as Miranda et al. do, the
 * `learned` router fits a performance-prediction model: a share of the human budget (`probeShare`)
 * goes to pairs drawn at random, a small logistic regression learns from them where the AI's
 * label disagrees with the person's, and the rest of the budget goes to the pairs it predicts
 * most likely to be AI-wrong. What the router sees of a pair (`routerFeatures`) is only what the
 * AI and the policy see: the plain trajectory features of both plays (what each play did — asks,
 * turns, how it ended — and the frozen model's beliefs at its first and final view), ordered as
 * the AI ranked them, and the AI's margin. Never the scene's facts, never the gold reward.
 *
 * The `learned` router only predicts where the AI is wrong, which is not the same as which labels
 * teach the reward model most (it spends labels on pairs the gold reward ties, where a person's
 * label is a coin flip). The `committee` router asks the reward model itself (active learning,
 * query by committee; Seung et al. 1992): a share of the budget goes to random pairs, then in
 * rounds a committee of reward models, each trained on a bootstrap resample of the human labels
 * bought so far, votes on every unlabelled pair, and the next share goes to the pairs whose votes
 * split most evenly (ties: the smaller mean margin). It keeps no AI labels. Unlike the learned
 * router it reads what the fact-augmented reward model reads — the facts shown to the annotator
 * beside each pair — through that model's scores; never the gold reward.
 *
 * Strategies compared at a budget b (share of pairs that get a human label): `learned` and
 * `committee` (above), `margin` (lowest AI margin first), `random` (b of the pairs at random), and
 * the ends `all-human` (b = 1) and `all-ai` (b = 0).
 */
import { ConfigError } from '../util/errors.js';
import { Rng, hashSeed } from '../util/rng.js';

export const ROUTING_STRATEGIES = ['learned', 'margin', 'random', 'committee'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/**
 * What the router sees of one pair: the plain features of the play the AI preferred, the other
 * play's minus them, and the AI's margin (length 2 × PLAIN_FEATURES + 1).
 */
export function routerFeatures(
  picked: ArrayLike<number>,
  other: ArrayLike<number>,
  margin: number,
): number[] {
  const a = Array.from(picked);
  return [...a, ...a.map((x, k) => other[k] - x), margin];
}

/**
 * A small L2-regularised logistic regression on standardised features, fitted by full-batch
 * gradient descent (a few dozen rows and ~30 features: the nn/ stack would be ceremony, and no
 * npm package earns its place for this). Returns P(y = 1 | x).
 */
export function fitLogistic(
  xs: readonly number[][],
  ys: readonly (0 | 1)[],
  opts: { l2?: number; steps?: number; lr?: number } = {},
): (x: readonly number[]) => number {
  const { l2 = 1, steps = 500, lr = 0.1 } = opts;
  const d = xs[0]?.length ?? 0;
  const n = xs.length;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const x of xs) for (let k = 0; k < d; k++) mean[k] += x[k] / n;
  for (const x of xs) for (let k = 0; k < d; k++) std[k] += (x[k] - mean[k]) ** 2 / n;
  for (let k = 0; k < d; k++) std[k] = Math.sqrt(std[k]) || 1;
  const z = xs.map((x) => x.map((v, k) => (v - mean[k]) / std[k]));
  const w = new Array<number>(d).fill(0);
  const pos = ys.filter((y) => y === 1).length;
  let b = n ? Math.log((pos + 0.5) / (n - pos + 0.5)) : 0;
  const sig = (t: number) => 1 / (1 + Math.exp(-t));
  for (let it = 0; it < steps && n > 0; it++) {
    const gw = w.map((wk) => (l2 * wk) / n);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      let t = b;
      for (let k = 0; k < d; k++) t += w[k] * z[i][k];
      const e = sig(t) - ys[i];
      gb += e / n;
      for (let k = 0; k < d; k++) gw[k] += (e * z[i][k]) / n;
    }
    b -= lr * gb;
    for (let k = 0; k < d; k++) w[k] -= lr * gw[k];
  }
  return (x) => {
    let t = b;
    for (let k = 0; k < d; k++) t += (w[k] * (x[k] - mean[k])) / std[k];
    return sig(t);
  };
}

/** What a router is handed about the pairs it may send to people. */
export interface RoutingInput {
  /** The AI's |value(A) − value(B)| on each pair. */
  margins: readonly number[];
  /** routerFeatures of each pair (the learned router only). */
  features?: readonly number[][];
  /**
   * Ask a person about pair i: true if their label differs from the AI's (the learned router's
   * probes; the label is one of the human budget's, counted in the returned set).
   */
  humanDisagrees?: (i: number) => boolean;
  /** The committee router's reward models: trained on a resample of the labelled pairs, their margins on every pair. */
  committee?: CommitteeMargins;
}

/** The learned router's knobs: the share of its labels spent on random probes, and in how many rounds it spends the rest. */
export interface LearnedRouterOptions {
  probeShare?: number;
  rounds?: number;
  /** An AI label is kept only where the final predictor's P(AI wrong) is below this; the others are `doubted`. */
  trustBelow?: number;
}

/** Every router's knobs: the learned router's, and the committee's size (the committee spends `probeShare` on random pairs first, in `rounds`). */
export interface RouterOptions extends LearnedRouterOptions {
  members?: number;
}

/** A router's verdict: the pairs people label, and the pairs whose AI label is not kept either (`doubted`). */
export interface Routed {
  humans: Set<number>;
  doubted: Set<number>;
}

/**
 * The one router interface: which pairs get a human label (`budget` × pairs of them) and which
 * AI labels are dropped, by strategy. `random` and `margin` keep every other AI label; `learned`
 * (routeLearned) drops the ones its predictor doubts; `committee` (routeCommittee) keeps no AI
 * label. Each strategy says what it needs of `input` when it is missing.
 */
export async function routePairs(input: RoutingInput, budget: number, strategy: RoutingStrategy, seed: number, opts: RouterOptions = {}): Promise<Routed> {
  const { margins } = input;
  const n = Math.round(Math.min(1, Math.max(0, budget)) * margins.length);
  const idx = [...margins.keys()];
  switch (strategy) {
    case 'random':
      return { humans: new Set(new Rng(hashSeed('route-random', seed)).shuffle([...idx]).slice(0, n)), doubted: new Set() };
    case 'margin':
      return { humans: new Set([...idx].sort((a, b) => margins[a] - margins[b] || a - b).slice(0, n)), doubted: new Set() };
    case 'learned':
      return routeLearned(input, budget, seed, opts);
    case 'committee': {
      if (!input.committee) throw new ConfigError('the committee router needs reward models to vote (RoutingInput.committee)');
      const humans = await routeCommittee(margins.length, budget, seed, input.committee, { startShare: opts.probeShare, rounds: opts.rounds, members: opts.members });
      return { humans, doubted: new Set(idx.filter((k) => !humans.has(k))) };
    }
  }
}

/**
 * The learned router: it spends `probeShare` of its `budget` × pairs human labels (at least one)
 * on random pairs, fits fitLogistic to "the person disagrees with the AI" on every human label it
 * holds, spends the next share of the rest on the pairs it rates most likely to be AI-wrong (ties:
 * lowest margin first; at random while people have not yet both agreed and disagreed with the
 * AI), and refits — `rounds` times (each label a person gives is also a lesson
 * for the predictor, as in active learning). `doubted`: the pairs left to the AI whose label the
 * final predictor gives P(AI wrong) ≥ `trustBelow` (default 0.5: more likely wrong than right).
 */
export function routeLearned(input: RoutingInput, budget: number, seed: number, opts: LearnedRouterOptions = {}): { humans: Set<number>; doubted: Set<number> } {
  const { probeShare = 0.25, rounds = 4, trustBelow = 0.5 } = opts;
  const { margins, features, humanDisagrees } = input;
  if (!features || !humanDisagrees) throw new ConfigError('the learned router needs the pairs\' features and a way to ask a person');
  const n = Math.round(Math.min(1, Math.max(0, budget)) * margins.length);
  const idx = [...margins.keys()];
  const byMargin = (a: number, b: number) => margins[a] - margins[b] || a - b;
  if (n === 0) return { humans: new Set(), doubted: new Set() };
  const picked = new Set(new Rng(hashSeed('route-probe', seed)).shuffle([...idx]).slice(0, Math.max(1, Math.round(probeShare * n))));
  const answers = new Map<number, 0 | 1>();
  const explore = new Rng(hashSeed('route-explore', seed));
  const step = Math.max(1, Math.ceil((n - picked.size) / Math.max(1, rounds)));
  const fit = () => {
    for (const i of picked) if (!answers.has(i)) answers.set(i, humanDisagrees(i) ? 1 : 0);
    const predict = fitLogistic([...answers.keys()].map((i) => features[i]), [...answers.values()]);
    return idx.map((i) => (picked.has(i) ? -1 : predict(features[i])));
  };
  while (picked.size < n) {
    const p = fit();
    // Until people have disagreed with the AI at least once (and agreed once), there is nothing to learn: keep probing at random.
    const seen = new Set(answers.values());
    const rest = idx.filter((i) => !picked.has(i));
    const next = seen.size < 2 ? explore.shuffle(rest) : rest.sort((a, b) => p[b] - p[a] || byMargin(a, b));
    for (const i of next.slice(0, Math.min(step, n - picked.size))) picked.add(i);
  }
  const p = fit();
  return { humans: picked, doubted: new Set(idx.filter((i) => !picked.has(i) && p[i] >= trustBelow)) };
}

/** The committee router's knobs: the share of its labels spent on random pairs first, in how many rounds it spends the rest, and the committee's size. */
export interface CommitteeRouterOptions {
  startShare?: number;
  rounds?: number;
  members?: number;
}

/**
 * Reward-model margins for the committee router: train a reward model on the human labels of the
 * pairs listed in `sample` (a bootstrap resample of the pairs labelled so far: an index may repeat;
 * `member` numbers the committee member, for its initialisation seed) and return r(A) − r(B) for
 * every one of the `count` pairs.
 */
export type CommitteeMargins = (sample: readonly number[], member: number) => Promise<ArrayLike<number>>;

/**
 * The committee router (active learning with the reward model in the loop, query by committee):
 * `startShare` of its `budget` × `count` human labels (at least one) go to random pairs; then, in
 * `rounds` equal shares, `members` reward models, each trained (`margins`) on a bootstrap resample
 * of the labelled pairs, vote on every unlabelled pair, and the share goes to the pairs whose
 * votes split most evenly (ties: the smallest |mean margin|, then the lowest index). Returns the
 * pairs that get a human label. No AI label is kept: the reward model trains on these alone.
 */
export async function routeCommittee(count: number, budget: number, seed: number, margins: CommitteeMargins, opts: CommitteeRouterOptions = {}): Promise<Set<number>> {
  const { startShare = 0.25, rounds = 4, members = 5 } = opts;
  const n = Math.round(Math.min(1, Math.max(0, budget)) * count);
  const idx = [...Array(count).keys()];
  const humans = new Set(new Rng(hashSeed('route-active', seed)).shuffle([...idx]).slice(0, n === 0 ? 0 : Math.max(1, Math.round(startShare * n))));
  const step = Math.max(1, Math.ceil((n - humans.size) / Math.max(1, rounds)));
  while (humans.size < n) {
    const labelled = [...humans];
    const rng = new Rng(hashSeed('route-committee', seed, humans.size));
    const votes: ArrayLike<number>[] = [];
    for (let c = 0; c < members; c++) votes.push(await margins(labelled.map(() => labelled[rng.int(labelled.length)]), c));
    const split = idx.map((k) => {
      const pos = votes.filter((m) => m[k] > 0).length;
      return Math.min(pos, members - pos) - 1e-3 * Math.abs(votes.reduce((a, m) => a + m[k], 0) / members);
    });
    const rest = idx.filter((k) => !humans.has(k)).sort((a, b) => split[b] - split[a] || a - b);
    for (const k of rest.slice(0, Math.min(step, n - humans.size))) humans.add(k);
  }
  return humans;
}
