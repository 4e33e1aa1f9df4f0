/**
 * Rewards as named, weighted functions (docs/architecture.md §6.5). A trajectory reward is
 * `(trajectory) => number`; the total is the weighted sum, and every component is logged
 * (`rl/reward/<name>`). ProactiveBench's own single-turn reward (De Min et al. 2026, §5:
 * 1 for the correct category, r_p for a valid intervention, 0 otherwise) is here too, so the
 * paper's recipe runs beside ours.
 */
import { z } from 'zod';
import type { EpisodeRecord, ParsedAction } from '../episode/types.js';
import { ConfigError } from '../util/errors.js';
import { didYouMean } from '../util/did-you-mean.js';

/** What a reward sees: the finished episode's record. */
export type RewardFn = (r: EpisodeRecord) => number;

export interface NamedReward {
  name: string;
  weight: number;
  fn: RewardFn;
}

/** The askfirst multi-turn reward components. */
export const rewardComponents = {
  /** +1 when the episode ends with the correct category. */
  correct: (r: EpisodeRecord) => (r.success ? 1 : 0),
  /** 1 when it ends with a wrong category (weight it negatively). */
  wrong: (r: EpisodeRecord) => (r.outcome === 'wrong-category' ? 1 : 0),
  /** Number of valid interventions taken (weight it negatively: the cost of asking). */
  interventions: (r: EpisodeRecord) => r.interventions,
  /** 1 when it ends with an invalid intervention or an unparseable reply. */
  invalid: (r: EpisodeRecord) => (r.outcome === 'invalid-intervention' || r.outcome === 'unparseable' ? 1 : 0),
  /** 1 when it ends with an abstention. */
  abstain: (r: EpisodeRecord) => (r.outcome === 'abstain' ? 1 : 0),
  /** 1 when it ran out of turns (asking forever). */
  maxTurns: (r: EpisodeRecord) => (r.outcome === 'max-turns' ? 1 : 0),
  /** Valid interventions asked on views that did not show enough (the oracle's flags; a process reward). */
  neededAsks: (r: EpisodeRecord) => r.actions.filter((a, t) => a.type === 'intervention' && a.valid && r.informative?.[t] === false).length,
  /** Interventions asked on views that already showed enough (over-asking). */
  needlessAsks: (r: EpisodeRecord) => r.actions.filter((a, t) => a.type === 'intervention' && r.informative?.[t] === true).length,
  /** 1 when the final answer was given on a view that did not show enough (a guess, right or wrong). */
  guessed: (r: EpisodeRecord) => (r.guessed ? 1 : 0),
} satisfies Record<string, RewardFn>;

export type RewardName = keyof typeof rewardComponents;

/**
 * Default weights: answer right, never guess wrong, ask when it pays, never ask forever — plus
 * a process reward from the environment's oracle (ask on views that do not show enough, not on
 * views that do; do not answer from a view that does not show enough). The oracle flags exist
 * for the synthetic training kinds only; the policy never sees them.
 */
export const DEFAULT_REWARD_WEIGHTS: Record<RewardName, number> = {
  correct: 1,
  wrong: -0.5,
  interventions: -0.05,
  invalid: -0.5,
  abstain: -0.5,
  maxTurns: -0.5,
  neededAsks: 0.2,
  needlessAsks: -0.3,
  guessed: -0.3,
};

/** The reward names, in order (for messages and --help). */
export const REWARD_NAMES = Object.keys(DEFAULT_REWARD_WEIGHTS) as RewardName[];

const WEIGHT_ITEM = /^\s*([A-Za-z]+)\s*=\s*(\S+)\s*$/;

/** One `name=value` override item, parsed, or why it is not one. */
function parseWeightItem(item: string): { name: RewardName; value: number } | { problem: string } {
  const m = WEIGHT_ITEM.exec(item);
  if (!m) return { problem: `"${item}" is not name=value (e.g. needlessAsks=-0.6)` };
  if (!(REWARD_NAMES as string[]).includes(m[1])) return { problem: `"${m[1]}" is not a reward${didYouMean(m[1], REWARD_NAMES)}; use one of ${REWARD_NAMES.join(', ')}` };
  if (!Number.isFinite(Number(m[2])) || m[2].trim() === '') return { problem: `"${m[2]}" (${m[1]}) is not a number` };
  return { name: m[1] as RewardName, value: Number(m[2]) };
}

/**
 * Reward weight overrides as a CLI list (`--reward-weights needlessAsks=-0.6,guessed=-0.3`),
 * validated up front and parsed into the weights it changes (the rest keep DEFAULT_REWARD_WEIGHTS).
 */
export const RewardWeightListSchema = z
  .array(z.string())
  .superRefine((items, ctx) => {
    const seen = new Set<string>();
    for (const item of items) {
      const w = parseWeightItem(item);
      if ('problem' in w) ctx.addIssue({ code: 'custom', message: w.problem });
      else {
        if (seen.has(w.name)) ctx.addIssue({ code: 'custom', message: `${w.name} is given twice` });
        seen.add(w.name);
      }
    }
  })
  .describe(
    `change reward weights of our RL run, name=value,… (the rest keep their defaults: ${REWARD_NAMES.map((k) => `${k} ${DEFAULT_REWARD_WEIGHTS[k]}`).join(', ')})`,
  );

/** The weights a validated override list sets (see RewardWeightListSchema). */
export function parseRewardWeights(items: readonly string[]): Partial<Record<RewardName, number>> {
  const out: Partial<Record<RewardName, number>> = {};
  for (const item of items) {
    const w = parseWeightItem(item);
    if ('problem' in w) throw new ConfigError(`invalid reward weight: ${w.problem}`);
    out[w.name] = w.value;
  }
  return out;
}

export function makeRewards(weights: Partial<Record<RewardName, number>> = {}): NamedReward[] {
  const w = { ...DEFAULT_REWARD_WEIGHTS, ...weights };
  return (Object.keys(rewardComponents) as RewardName[])
    .filter((k) => w[k] !== 0)
    .map((k) => ({ name: k, weight: w[k], fn: rewardComponents[k] }));
}

/** Total reward and each weighted component. */
export function scoreTrajectory(r: EpisodeRecord, rewards: readonly NamedReward[]): { total: number; parts: Record<string, number> } {
  const parts: Record<string, number> = {};
  let total = 0;
  for (const x of rewards) {
    const v = x.weight * x.fn(r);
    parts[x.name] = v;
    total += v;
  }
  return { total, parts };
}

/**
 * ProactiveBench's single-turn reward with its three values named: r_c for the correct category,
 * r_p for a valid intervention, r_w for anything else (a wrong category, an abstention, an invalid
 * intervention, an unparseable reply). The paper uses r_c = 1, r_w = 0 and r_p ∈ {0.5, 0.75, 1}.
 */
export interface SingleTurnWeights {
  rc: number;
  rp: number;
  rw: number;
}

export function singleTurnReward(a: ParsedAction, w: SingleTurnWeights): number {
  if (a.type === 'category' && a.correct) return w.rc;
  if (a.type === 'intervention' && a.valid) return w.rp;
  return w.rw;
}

/** ProactiveBench's single-turn reward for one parsed action, as published (r_c = 1, r_w = 0). */
export function proactiveBenchReward(a: ParsedAction, rp: number): number {
  return singleTurnReward(a, { rc: 1, rp, rw: 0 });
}
