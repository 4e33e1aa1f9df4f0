/**
 * One turn of an episode as the exports' rows show it (trl-export.ts, lmms-eval-export.ts): the prompt text, the option
 * texts, the letters of what is right there, and where the view's PNG is written. No I/O.
 */
import { optionLetter } from '../episode/parse.js';
import { formatPrompt, optionTexts, questionFor, shownOptions } from '../episode/prompt.js';
import type { EvalMode } from '../episode/types.js';
import { safeFileName } from '../suite/image-names.js';
import type { SuiteEpisode } from '../suite/types.js';

/** Where a view's PNG is written in an export (relative to it). */
export function viewImagePath(ep: SuiteEpisode, view: number): string {
  return `images/${safeFileName(ep.id)}_v${view}.png`;
}

/** What one turn at `view` shows and what is right there: the part of a row the protocol decides (no I/O). */
export interface TurnColumns {
  /** The prompt text (question and lettered options). */
  text: string;
  options: string[];
  /** The correct category's letter here; empty where no category counts (ProactiveBench's ROD first turn). */
  answer_letter: string;
  /** Letters of the interventions valid at this view (asking one earns r_p). */
  valid_intervention_letters: string[];
}

/** The turn at `view` in `mode` as a row shows it. */
export function turnColumns(ep: SuiteEpisode, view: number, mode: EvalMode): TurnColumns {
  const shown = shownOptions(ep, view, mode);
  const options = optionTexts(shown);
  return {
    text: formatPrompt(questionFor(ep, mode), options),
    options,
    // No letter where no category counts (ProactiveBench's ROD first turn): naming it earns r_w there, not r_c.
    answer_letter: shown.answer >= 0 ? optionLetter(shown.interventions.length + shown.answer) : '',
    valid_intervention_letters: shown.interventions.flatMap((o, i) => (o.valid && !o.abstain ? [optionLetter(i)] : [])),
  };
}
