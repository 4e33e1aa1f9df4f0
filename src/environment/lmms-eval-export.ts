/**
 * `askfirst export --format lmms-eval`: the first turn of each episode as the docs of the lmms-eval task in
 * integrations/lmms_eval/askfirst_first_turn/ (lmms-eval runs one generation per doc). A row is the TRL export's
 * first-turn row (trl-export.ts: the same prompt, image and columns) plus what the task's `process_results` needs to
 * read a reply as askfirst does (episode/parse.ts `parseReply`): which letters are interventions (matched apart from the
 * categories, whose letters follow them) and which of those abstain. A TRL export is written as before, byte for byte.
 */
import { optionLetter } from '../episode/parse.js';
import { shownOptions } from '../episode/prompt.js';
import type { EvalMode } from '../episode/types.js';
import type { SuiteEpisode } from '../suite/types.js';

/** What an lmms-eval row adds to a TRL row. */
export interface LmmsEvalColumns {
  /** Letters of the interventions shown (the first options); the categories' letters follow them. */
  intervention_letters: string[];
  /** Letters of the abstain-style interventions ("I cannot answer this question."): naming one abstains. */
  abstain_letters: string[];
}

/** The added columns of the row of `ep` at `view` in `mode` (no I/O). */
export function lmmsEvalColumns(ep: SuiteEpisode, view: number, mode: EvalMode): LmmsEvalColumns {
  const shown = shownOptions(ep, view, mode);
  return {
    intervention_letters: shown.interventions.map((_, i) => optionLetter(i)),
    abstain_letters: shown.interventions.flatMap((o, i) => (o.abstain ? [optionLetter(i)] : [])),
  };
}

/** The added columns' names, in their order in train.parquet. */
export const LMMS_EVAL_COLUMNS: readonly (keyof LmmsEvalColumns)[] = ['intervention_letters', 'abstain_letters'];

/** The dataset card's text of an lmms-eval export, where the TRL card speaks of training. */
export const LMMS_EVAL_CARD = {
  title: '# askfirst episodes for lmms-eval (the first turn of each episode, with images)',
  rows: 'There is one row per episode, at its first turn: the docs of the lmms-eval task `askfirst_first_turn` (integrations/lmms_eval/ in askfirst\'s repository), which runs one generation per doc and reads the reply as `askfirst eval` does.',
  columns:
    '| `intervention_letters` | letters of the interventions shown (the first options; the categories follow) |\n| `abstain_letters` | letters of the abstain-style interventions ("I cannot answer this question.") |\n',
  use: `## Evaluating
Name this folder's \`train.parquet\` in \`dataset_kwargs.data_files\` of
integrations/lmms_eval/askfirst_first_turn/askfirst_first_turn.yaml, then
\`lmms_eval --model MODEL --tasks askfirst_first_turn --include_path integrations/lmms_eval\`.
What a first-turn run measures, and what it cannot (the gap closed needs whole episodes: \`askfirst eval\` or
\`askfirst env serve\`): integrations/README.md, "lmms-eval".
`,
};
