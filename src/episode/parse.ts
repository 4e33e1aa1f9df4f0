/**
 * Reply matching, exactly as ProactiveBench's MCQA `_evaluate` does it (environment.py),
 * applied once to the intervention options and once to the categories (docs/architecture.md §2):
 *   1. the whole reply, normalised, equals an option's normalised text;
 *   2. the reply's first token before a "." is a single letter naming an option.
 * A correct category wins over a valid intervention; anything unmatched is unparseable.
 */
import type { ParsedAction } from './types.js';

/**
 * Python's whitespace (`str.isspace()`, which is also what `re`'s `\s` and `str.strip()` use):
 * unlike JavaScript's `\s` and `trim()` it includes U+001C–U+001F and U+0085, and excludes U+FEFF.
 */
const PY_WS = '\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000';
const PY_STRIP = new RegExp(`^[${PY_WS}]+|[${PY_WS}]+$`, 'g');
/** ProactiveBench's `re.sub(r"^.*[A-Z]\.\s*", "", s)`: Python's `.` matches anything but "\n" (also "\r"), its `\s` is PY_WS. */
const PY_LETTER_PREFIX = new RegExp(`^[^\n]*[A-Z]\\.[${PY_WS}]*`);

/** Python's `str.strip()` (no arguments). */
export function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}

/**
 * Normalise a reply or an option for full-text matching, exactly as ProactiveBench's
 * `_standardize_full_answer`: `re.sub(r"^.*[A-Z]\.\s*", "", s).lower().strip().replace(" ", "")`
 * — drop a leading "X." letter prefix (greedy, within the first line), lower-case, strip
 * Python's whitespace at both ends, and remove ASCII spaces only (a tab or NBSP inside stays).
 */
export function normalizeText(s: string): string {
  return pyStrip(s.replace(PY_LETTER_PREFIX, '').toLowerCase()).replaceAll(' ', '');
}

/**
 * ProactiveBench's `_standardize_letter_answer`: `s.split(".")[0].lower().strip()`, and "#" when
 * that is longer than one character (so "" stays "", as in Python).
 */
export function standardizeLetter(s: string): string {
  const head = pyStrip(s.split('.')[0].toLowerCase());
  return [...head].length > 1 ? '#' : head;
}

/** Option letters as ProactiveBench writes them: `chr(65 + i)` — A … Z, then "[", "\\", "]", "^", "_", "`", "a", … */
export function optionLetter(i: number): string {
  return String.fromCodePoint(65 + i);
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
  // Letter form, as Python compares standardised letters (the first option with that letter wins).
  const letter = standardizeLetter(reply);
  const letters = options.map((_, i) => standardizeLetter(optionLetter(i + shift)));
  const k = letters.indexOf(letter);
  if (k >= 0) {
    const isCorrect = [...correct].some((i) => letters[i] === letter);
    return { verdict: isCorrect ? 'correct' : 'wrong', index: k };
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
