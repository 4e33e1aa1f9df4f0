/**
 * Per-option scores from a chat model's first-token alternatives (`top_logprobs`). The MCQA
 * prompt asks for one option; a model answers with its letter ("B", " B.", "B)") or starts the
 * option's text. Each alternative token is mapped to the option its letter names, or else to
 * the one option whose normalised text it uniquely begins; the probability mass of tokens that
 * map to the same option is summed. Options no alternative named share the probability mass
 * left over (so every option gets a finite score and the total stays ≤ 1).
 */
import { normalizeText, optionLetter } from '../../episode/parse.js';
import { logSumExp } from '../../util/stats.js';
import type { TopLogprob } from './client.js';

/** The option a single token names, or -1. */
export function tokenOption(token: string, options: readonly string[]): number {
  const t = token.trim();
  if (!t) return -1;
  // A bare letter, optionally followed by "." or ")" or ":".
  const m = /^\(?([A-Za-z]{1,2})[.):]?$/.exec(t);
  if (m && m[1] === m[1].toUpperCase()) {
    for (let i = 0; i < options.length; i++) if (optionLetter(i) === m[1]) return i;
  }
  // The start of exactly one option's normalised text (at least 2 characters, so "a" is not "apple").
  const n = normalizeText(t);
  if (n.length < 2) return -1;
  let found = -1;
  for (let i = 0; i < options.length; i++) {
    if (normalizeText(options[i]).startsWith(n)) {
      if (found >= 0) return -1; // ambiguous
      found = i;
    }
  }
  return found;
}

/** Floor for an option nobody named when no mass is left over. */
const FLOOR = Math.log(1e-12);

/**
 * Log-probability per option, or undefined when no alternative names any option (the reply
 * was not an option, or the server gave no logprobs).
 */
export function optionLogProbs(top: readonly TopLogprob[] | undefined, options: readonly string[]): number[] | undefined {
  if (!top?.length || !options.length) return undefined;
  const per: number[][] = options.map(() => []);
  let named = 0;
  for (const t of top) {
    if (!Number.isFinite(t.logprob)) continue;
    const i = tokenOption(t.token, options);
    if (i >= 0) {
      per[i].push(Math.min(0, t.logprob));
      named++;
    }
  }
  if (!named) return undefined;
  const scores = per.map((xs) => (xs.length ? logSumExp(xs) : -Infinity));
  // Renormalise if the named mass exceeds 1 (rounding on the server side).
  const total = logSumExp(scores.filter((s) => s > -Infinity));
  const shifted = total > 0 ? scores.map((s) => s - total) : scores;
  const massLeft = 1 - shifted.reduce((s, x) => s + (x > -Infinity ? Math.exp(x) : 0), 0);
  const unnamed = shifted.filter((s) => s === -Infinity).length;
  const fill = unnamed && massLeft > 1e-12 ? Math.log(massLeft / unnamed) : FLOOR;
  return shifted.map((s) => (s === -Infinity ? Math.max(FLOOR, Math.min(fill, 0)) : s));
}
