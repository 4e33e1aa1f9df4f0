/**
 * Where a policy does worse than the one it started from: the kinds and variants (the corruption
 * kind's operations, episode/variant.ts) whose accuracy fell between two summaries of the same
 * episodes — RL's policy against the guesser it was trained from. A kind's mean can hide a
 * variant that falls (issue 18: colour loss went from 42 % to 0 % after RL while the corruption
 * kind gained 33 points), so every report lists both. Pure function.
 */
import type { Metrics, Summary } from './metrics.js';
import { compareText } from '../util/text-order.js';

export interface AccuracyLoss {
  /** The kind ("corruption") or variant ("corruption/saturation"). */
  group: string;
  /** Episodes in the group (the same episodes before and after). */
  episodes: number;
  before: number;
  after: number;
  /** Episodes fewer answered right: (before − after) · episodes. */
  lost: number;
}

/** Every kind, then every variant, whose accuracy is lower in `after` than in `before`; most episodes lost first. */
export function accuracyLosses(before: Summary, after: Summary): AccuracyLoss[] {
  const fall = (groups: Record<string, Metrics> | undefined, from: Record<string, Metrics> | undefined): AccuracyLoss[] =>
    Object.entries(groups ?? {}).flatMap(([group, a]) => {
      const b = from?.[group];
      if (!b || !(a.accuracy < b.accuracy)) return [];
      return [{ group, episodes: a.episodes, before: b.accuracy, after: a.accuracy, lost: Math.round((b.accuracy - a.accuracy) * a.episodes) }];
    });
  const byLost = (x: AccuracyLoss, y: AccuracyLoss) => y.lost - x.lost || compareText(x.group, y.group);
  return [...fall(after.byKind, before.byKind).sort(byLost), ...fall(after.byVariant, before.byVariant).sort(byLost)];
}
