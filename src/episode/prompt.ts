/**
 * What a policy is shown at one turn: the question (plus hint), the lettered options
 * (interventions first, then categories) and the prompt text in ProactiveBench's
 * multiple-choice template (`apply_multi_choice_template`).
 */
import { optionLetter, type ShownOptions } from './parse.js';
import type { Episode, EvalMode } from './types.js';

/** The options shown at view `view` in `mode`. Reference mode shows categories only. */
export function shownOptions(ep: Episode, view: number, mode: EvalMode): ShownOptions {
  if (mode === 'reference') {
    return { interventions: [], categories: ep.categories, answer: ep.answer };
  }
  const step = ep.steps[view];
  const abstain = new Set(ep.abstain);
  const interventions = (step?.offered ?? []).map((index) => ({
    text: ep.interventions[index],
    index,
    valid: step.next[index] !== undefined,
    abstain: abstain.has(index),
  }));
  // A view where no category counts: nothing is correct, so the true answer scores as wrong.
  const answer = step?.answerable === false ? -1 : ep.answer;
  return { interventions, categories: ep.categories, answer };
}

/** All option texts in display order. */
export function optionTexts(shown: ShownOptions): string[] {
  return [...shown.interventions.map((o) => o.text), ...shown.categories];
}

/** The question for a mode: reference question in reference mode, hint appended in hint mode. */
export function questionFor(ep: Episode, mode: EvalMode): string {
  if (mode === 'reference') return ep.referenceQuestion ?? ep.question;
  if (mode === 'hint' && ep.hint) return `${ep.question} ${ep.hint}`;
  return ep.question;
}

/** ProactiveBench's multiple-choice prompt: question, then "A. option" lines. */
export function formatPrompt(question: string, options: readonly string[], shortAnswer = true): string {
  let p = `${question} Choose from the following options. Options:\n`;
  p += options.map((o, i) => `${optionLetter(i)}. ${o}\n`).join('');
  if (shortAnswer) p += 'Please only return one of the options without any other words.';
  return p;
}
