/**
 * The sampling settings a backend draws with (`ActOptions.sampling`: OpenAI's `temperature` and `top_p`), checked,
 * and the weights they give a choice among log-probabilities, as vLLM's sampler computes them: the logits divided by
 * the temperature, softmax, then the nucleus — the likeliest choices, in order, until their probability reaches
 * top_p (Holtzman et al. 2020, "The curious case of neural text degeneration"), the rest set to 0.
 */
import { InputError } from '../util/errors.js';
import type { Sampling } from './policy.js';

/** The model's own distribution: what `--sample` draws from. */
export const DEFAULT_SAMPLING: Readonly<Required<Sampling>> = { temperature: 1, topP: 1 };

/** The settings with their defaults filled in; a temperature that is not above 0 or a top_p outside (0, 1] is an InputError naming it. */
export function resolveSampling(s: Sampling | undefined): Required<Sampling> {
  const temperature = s?.temperature ?? DEFAULT_SAMPLING.temperature;
  const topP = s?.topP ?? DEFAULT_SAMPLING.topP;
  if (!(Number.isFinite(temperature) && temperature > 0)) throw new InputError(`sampling temperature must be a number above 0 (0 is greedy: do not sample); got ${temperature}`);
  if (!(Number.isFinite(topP) && topP > 0 && topP <= 1)) throw new InputError(`sampling top_p must be a number above 0 and at most 1; got ${topP}`);
  return { temperature, topP };
}

/** True for the defaults: the draw is then the plain categorical over the model's probabilities. */
export function isDefaultSampling(s: Required<Sampling>): boolean {
  return s.temperature === DEFAULT_SAMPLING.temperature && s.topP === DEFAULT_SAMPLING.topP;
}

/**
 * Unnormalised weights ∝ softmax(logp / T) over the nucleus of top_p (the likeliest first, a tie in index order; the
 * likeliest is always kept), 0 elsewhere: for `Rng.categorical`.
 */
export function samplingWeights(logp: readonly number[], s: Required<Sampling>): number[] {
  const m = Math.max(...logp);
  const w = logp.map((z) => (m === -Infinity ? 1 : Math.exp((z - m) / s.temperature)));
  if (s.topP >= 1) return w;
  const total = w.reduce((a, b) => a + b, 0);
  const order = w.map((_, i) => i).sort((a, b) => w[b] - w[a] || a - b);
  const kept = new Array<number>(w.length).fill(0);
  let mass = 0;
  for (const i of order) {
    if (mass >= s.topP * total) break;
    kept[i] = w[i];
    mass += w[i];
  }
  return kept;
}
