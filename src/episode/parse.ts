/**
 * Reply matching, exactly as ProactiveBench's MCQA `_evaluate` does it (environment.py),
 * applied once to the intervention options and once to the categories (docs/architecture.md §2):
 *   1. the whole reply, normalised, equals an option's normalised text;
 *   2. the reply's first token before a "." is a single letter naming an option.
 * A correct category wins over a valid intervention; anything unmatched is unparseable.
 */
import type { ParsedAction } from './types.js';

/**
 * Normalise a reply or an option for full-text matching: drop a leading "X." letter prefix
 * (ProactiveBench's greedy `^.*[A-Z]\.\s*`), lower-case, remove all whitespace.
 */
export function normalizeText(s: string): string {
  return s
    .replace(/^.*[A-Z]\.\s*/, '')
    .toLowerCase()
    .replace(/\s+/g, '');
}

/** The letter a reply names ("b" for "B. cat", "b", " b ."), or null if its first token is not one letter. */
export function replyLetter(s: string): string | null {
  const head = s.split('.')[0].toLowerCase().trim();
  return head.length === 1 ? head : null;
}

/** Option letters: A, B, … Z, then AA, AB … (ProactiveBench uses chr(65+i)). */
export function optionLetter(i: number): string {
  if (i < 26) return String.fromCharCode(65 + i);
  return optionLetter(Math.floor(i / 26) - 1) + String.fromCharCode(65 + (i % 26));
}

type Match = { verdict: 'correct' | 'wrong'; index: number } | { verdict: 'mismatch' };

/** ProactiveBench `_evaluate` for one option list whose letters start at `shift`. */
export function matchOptions(
  reply: string,
  options: readonly string[],
  correct: ReadonlySet<number>,
  shift: number,
): Match {
  const full = normalizeText(reply);
  const norm = options.map(normalizeText);
  // Full text: a correct option first, then any option.
  for (let i = 0; i < norm.length; i++) {
    if (correct.has(i) && norm[i] === full) return { verdict: 'correct', index: i };
  }
  const j = norm.indexOf(full);
  if (j >= 0) return { verdict: 'wrong', index: j };
  // Letter form.
  const letter = replyLetter(reply);
  if (letter !== null) {
    for (let i = 0; i < options.length; i++) {
      if (optionLetter(i + shift).toLowerCase() === letter) {
        return { verdict: correct.has(i) ? 'correct' : 'wrong', index: i };
      }
    }
  }
  return { verdict: 'mismatch' };
}

export interface ShownOptions {
  /** Intervention texts shown first (with their indices into Episode.interventions). */
  interventions: { text: string; index: number; valid: boolean; abstain: boolean }[];
  /** Category texts shown after them. */
  categories: string[];
  /** Index of the correct category. */
  answer: number;
}

/** Parse a reply against the options shown at one turn. */
export function parseReply(reply: string, shown: ShownOptions): ParsedAction {
  const ivTexts = shown.interventions.map((o) => o.text);
  const ivValid = new Set(shown.interventions.flatMap((o, i) => (o.valid ? [i] : [])));
  const act = matchOptions(reply, ivTexts, ivValid, 0);
  const cat = matchOptions(reply, shown.categories, new Set([shown.answer]), ivTexts.length);

  if (cat.verdict === 'correct') {
    return { type: 'category', option: ivTexts.length + cat.index, category: cat.index, correct: true };
  }
  if (act.verdict !== 'mismatch') {
    const o = shown.interventions[act.index];
    if (o.abstain) return { type: 'abstain', option: act.index, intervention: o.index };
    return { type: 'intervention', option: act.index, intervention: o.index, valid: act.verdict === 'correct' };
  }
  if (cat.verdict === 'wrong') {
    return { type: 'category', option: ivTexts.length + cat.index, category: cat.index, correct: false };
  }
  return { type: 'unparseable' };
}
