/** A Metrics record for tests: `episodes` at `accuracy`, every rate 0 unless `extra` sets it (over-asking and control-abstain null: no controls). */
import type { Metrics } from '../episode/metrics.js';

export function metricsOf(episodes: number, accuracy: number, extra: Partial<Metrics> = {}): Metrics {
  return {
    episodes,
    accuracy,
    psRate: 0,
    interventions: 0,
    oraclePsRate: 0,
    guessRate: 0,
    abstainRate: 0,
    invalidRate: 0,
    unparseableRate: 0,
    maxTurnsRate: 0,
    overAsking: null,
    controlAbstain: null,
    controls: 0,
    accuracyNonControl: accuracy,
    ...extra,
  };
}
