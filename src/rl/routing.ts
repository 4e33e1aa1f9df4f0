/**
 * Routing preference labels between people and an AI labeller ("Hybrid Preferences", Miranda et
 * al. 2024): the AI labels every pair; a router spends a budget of human labels on the pairs
 * where a person is worth most, and the reward model trains on the mix.
 *
 * The AI labeller here is the automatic critic on the built-in model's own perception: it values
 * a play by its expected gold reward with the model's belief standing in for the facts — the
 * named category is right with the probability the frozen model gives it at that view — so it is
 * systematically wrong where the model is confidently wrong (a guess on a view that does not show
 * enough). Its confidence in a label is the gap between its two values. Miranda et al. learn a
 * performance-prediction model to route; this router uses that simplest predictor, the AI's own
 * margin: the pairs the AI is least sure of go to people.
 *
 * Strategies compared at a budget b (share of pairs that get a human label): `routed` (lowest AI
 * margin first), `random` (b of the pairs at random), and the ends `all-human` (b = 1) and
 * `all-ai` (b = 0).
 */
import type { EpisodeRecord } from '../episode/types.js';
import { Rng, hashSeed } from '../util/rng.js';
import { PLAIN_FEATURES } from './trajectory-features.js';

/** Index of each plain feature by name. */
const F = Object.fromEntries(PLAIN_FEATURES.map((n, i) => [n, i])) as Record<(typeof PLAIN_FEATURES)[number], number>;

/**
 * The AI critic's value of a play from its plain features (trajectory-features.ts): the gold
 * reward's weights (rewards.ts) with the model's probability of the named category for "correct",
 * and its doubt at the final view for "guessed".
 */
export function criticValue(plain: ArrayLike<number>, record: EpisodeRecord): number {
  const p = plain[F.finalChosenP];
  const isCat = plain[F.endsCategory] > 0;
  const failEnd = plain[F.endsAbstain] + plain[F.endsInvalid] + plain[F.endsMaxTurns];
  return (isCat ? p - 0.5 * (1 - p) - 0.3 * (1 - plain[F.finalMaxP]) : 0) - 0.05 * record.interventions - 0.5 * failEnd;
}

export const ROUTING_STRATEGIES = ['routed', 'random'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/** Which pairs get a human label: `budget` × pairs of them, by strategy. `margins[i]` is the AI's |value(A) − value(B)| on pair i. */
export function routeToHumans(margins: readonly number[], budget: number, strategy: RoutingStrategy, seed: number): Set<number> {
  const n = Math.round(Math.min(1, Math.max(0, budget)) * margins.length);
  const idx = [...margins.keys()];
  if (strategy === 'random') return new Set(new Rng(hashSeed('route-random', seed)).shuffle(idx).slice(0, n));
  return new Set(idx.sort((a, b) => margins[a] - margins[b] || a - b).slice(0, n));
}
