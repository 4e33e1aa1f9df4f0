/**
 * `askfirst export --format lmms-eval`: the first turn of each episode as the docs of the lmms-eval task in
 * integrations/lmms_eval/askfirst_first_turn/ (lmms-eval runs one generation per doc). A row is the TRL export's
 * first-turn row (trl-export.ts: the same prompt, image and columns) plus what the task's `process_results` needs to
 * read a reply as askfirst does (episode/parse.ts `parseReply`): which letters are interventions (matched apart from the
 * categories, whose letters follow them) and which of those abstain. A TRL export is written as before, byte for byte.
 *
 * With `--turns episode` a row also carries the whole episode, for integrations/lmms_eval/askfirst_episode/ (lmms-eval's
 * `generate_until_multi_round`: the task's `doc_to_text` moves from view to view without askfirst running): `views`, the
 * image of every view the episode can reach from its first, and `episode`, JSON of what src/episode/state.ts steps by —
 * per reachable view its prompt, options, the letters a reply is read by, which valid intervention leads to which view,
 * and whether it shows enough; the turn budget, the mode, control, kind and the oracle's minimum.
 */
import { optionLetter } from '../episode/parse.js';
import { shownOptions } from '../episode/prompt.js';
import type { EvalMode } from '../episode/types.js';
import type { SuiteEpisode } from '../suite/types.js';
import { turnColumns } from './turn-columns.js';

/** What an lmms-eval row adds to a TRL row. */
export interface LmmsEvalColumns {
  /** Letters of the interventions shown (the first options); the categories' letters follow them. */
  intervention_letters: string[];
  /** Letters of the abstain-style interventions ("I cannot answer this question."): naming one abstains. */
  abstain_letters: string[];
  /**
   * Whether the row's view shows enough to tell the category, as the episode records it (`informative`); null when that
   * is unknown (ProactiveBench's photos). A category named where it is false is a guess (episode/state.ts `record`).
   */
  view_informative: boolean | null;
}

/** The added columns of the row of `ep` at `view` in `mode` (no I/O). */
export function lmmsEvalColumns(ep: SuiteEpisode, view: number, mode: EvalMode): LmmsEvalColumns {
  const shown = shownOptions(ep, view, mode);
  return {
    intervention_letters: shown.interventions.map((_, i) => optionLetter(i)),
    abstain_letters: shown.interventions.flatMap((o, i) => (o.abstain ? [optionLetter(i)] : [])),
    view_informative: ep.informative?.[view] ?? null,
  };
}

/** The added columns' names, in their order in train.parquet: lists of letters, then `view_informative` (a nullable boolean). */
export const LMMS_EVAL_LETTER_COLUMNS = ['intervention_letters', 'abstain_letters'] as const;
export const LMMS_EVAL_COLUMNS: readonly (keyof LmmsEvalColumns)[] = [...LMMS_EVAL_LETTER_COLUMNS, 'view_informative'];

/** One view of the `episode` column: what a turn there shows and where each reply leads. */
export interface EpisodeViewJson {
  view: number;
  /** The prompt text shown at this view (question and lettered options), as `askfirst eval` shows it. */
  prompt: string;
  options: string[];
  intervention_letters: string[];
  abstain_letters: string[];
  valid_intervention_letters: string[];
  /** Empty where no category counts here (ProactiveBench's ROD first view). */
  answer_letter: string;
  /** Letter of each valid intervention → the view it leads to. */
  next: Record<string, number>;
  /** Whether the view shows enough to tell the category (null when unknown: ProactiveBench's photos). */
  informative: boolean | null;
}

/** The `episode` column, parsed: everything the askfirst_episode task steps an episode by. */
export interface EpisodeJson {
  mode: EvalMode;
  first_view: number;
  /** The episode fails when its turns reach this (1 in reference mode). */
  max_turns: number;
  control: boolean;
  kind: string;
  /** The oracle's minimum number of interventions (0 in reference mode), as `EpisodeRecord.minInterventions`. */
  min_interventions: number;
  /** Every view reachable from `first_view`, it first, in the order of the row's `views` images. */
  views: EpisodeViewJson[];
}

/** The views of `ep` a play in `mode` can show: the first (the reference view in reference mode), then breadth first along valid interventions. */
export function reachableViews(ep: SuiteEpisode, mode: EvalMode): number[] {
  const first = mode === 'reference' ? ep.referenceView : ep.firstView;
  const seen = [first];
  for (let i = 0; i < seen.length && mode !== 'reference'; i++) {
    for (const o of shownOptions(ep, seen[i], mode).interventions) {
      const to = ep.steps[seen[i]].next[o.index];
      if (o.valid && !o.abstain && !seen.includes(to)) seen.push(to);
    }
  }
  return seen;
}

/** The `episode` column of `ep` in `mode` and the views its `views` images show, in order (no I/O). */
export function lmmsEvalEpisode(ep: SuiteEpisode, mode: EvalMode): { views: number[]; episode: EpisodeJson } {
  const views = reachableViews(ep, mode);
  return {
    views,
    episode: {
      mode,
      first_view: views[0],
      max_turns: mode === 'reference' ? 1 : ep.maxTurns,
      control: ep.control,
      kind: ep.kind,
      min_interventions: mode === 'reference' ? 0 : ep.minInterventions,
      views: views.map((view) => {
        const shown = shownOptions(ep, view, mode);
        const c = turnColumns(ep, view, mode);
        const { view_informative: informative, ...letters } = lmmsEvalColumns(ep, view, mode);
        return {
          view,
          prompt: c.text,
          options: c.options,
          ...letters,
          valid_intervention_letters: c.valid_intervention_letters,
          answer_letter: c.answer_letter,
          next: Object.fromEntries(shown.interventions.flatMap((o, i) => (o.valid && !o.abstain ? [[optionLetter(i), ep.steps[view].next[o.index]]] : []))),
          informative,
        };
      }),
    },
  };
}

/** The columns `--turns episode` adds after LMMS_EVAL_COLUMNS, in their order in train.parquet. */
export const LMMS_EVAL_EPISODE_COLUMNS = ['views', 'episode'] as const;

/** What an export wrote that the task can read: train.parquet, or (`--no-parquet`) train.jsonl with absolute image paths or not. */
export interface LmmsEvalData {
  parquet?: boolean;
  absolutePaths?: boolean;
}

/**
 * How to point the task's YAML (`yaml`) at this export. The YAMLs read train.parquet (PNGs embedded); without it, lmms-eval
 * loads train.jsonl with `dataset_path: json`, and the task's doc_to_visual (integrations/lmms_eval/askfirst_first_turn/
 * utils.py) opens only absolute image paths: a relative one is refused whatever the working directory, as lmms-eval does
 * not say which file a doc came from.
 */
function dataIn(d: LmmsEvalData, yaml: string): string {
  if (d.parquet !== false) return `Name this folder's \`train.parquet\` in \`dataset_kwargs.data_files\` of\n${yaml}`;
  const jsonl = `This export has no \`train.parquet\` (\`--no-parquet\`): in\n${yaml},\nset \`dataset_path: json\` and name this folder's \`train.jsonl\` in \`dataset_kwargs.data_files\` (an absolute path works with\nevery lmms-eval; 0.7.2 and older read a relative one from the working directory)`;
  if (d.absolutePaths) return `${jsonl}; its image paths are absolute (\`--absolute-paths\`), which the task's\n\`doc_to_visual\` opens`;
  return `${jsonl}. But this export's image paths are relative to this folder, and the task's\n\`doc_to_visual\` opens absolute ones only (a doc does not say which file it came from; running lmms-eval from this folder\ndoes not help): export again with \`--absolute-paths\` (or without \`--no-parquet\`: train.parquet, images embedded) first`;
}

/** The dataset card's text of an lmms-eval export, where the TRL card speaks of training (`episode`: of `--turns episode`). */
export const LMMS_EVAL_CARD = {
  title: '# askfirst episodes for lmms-eval (the first turn of each episode, with images)',
  episodeTitle: '# askfirst episodes for lmms-eval (whole episodes, with images)',
  rows: 'There is one row per episode, at its first turn: the docs of the lmms-eval task `askfirst_first_turn` (integrations/lmms_eval/ in askfirst\'s repository), which runs one generation per doc and reads the reply as `askfirst eval` does.',
  episodeRows:
    'There is one row per episode, at its first turn, with the whole episode beside it: the docs of the lmms-eval task `askfirst_episode` (integrations/lmms_eval/ in askfirst\'s repository; `generate_until_multi_round`), which plays each episode to its end as `askfirst eval` does, without askfirst running. `askfirst_first_turn` reads these rows too.',
  columns:
    '| `intervention_letters` | letters of the interventions shown (the first options; the categories follow) |\n| `abstain_letters` | letters of the abstain-style interventions ("I cannot answer this question.") |\n| `view_informative` | whether the row\'s view shows enough to tell the category (null: unknown, as for ProactiveBench\'s photos); a category named where it is false is a guess |\n',
  episodeColumns:
    '| `views` | the image of every view the episode can reach from its first (the first view first), in the order of `episode`\'s `views` |\n| `episode` | JSON: `mode`, `first_view`, `max_turns`, `control`, `kind`, `min_interventions`, and per reachable view its `prompt`, `options`, the letters above, `valid_intervention_letters`, `answer_letter`, `next` (valid intervention letter → view) and `informative` |\n',
  use: (data: LmmsEvalData) => `## Evaluating
${dataIn(data, 'integrations/lmms_eval/askfirst_first_turn/askfirst_first_turn.yaml')}, then
\`lmms-eval --model MODEL --tasks askfirst_first_turn --include_path integrations/lmms_eval\`.
What a first-turn run measures, and what it cannot (the gap closed needs whole episodes: \`askfirst eval\` or
\`askfirst env serve\`): integrations/README.md, "lmms-eval".
`,
  episodeUse: (data: LmmsEvalData) => `## Evaluating
${dataIn(data, 'integrations/lmms_eval/askfirst_episode/askfirst_episode.yaml (an export with `--mode reference`: of\naskfirst_episode_reference.yaml)')}, then
\`lmms-eval --model MODEL --tasks askfirst_episode --include_path integrations/lmms_eval\` with a model that implements
lmms-eval's \`generate_until_multi_round\`. What it measures, which models play whole episodes, and how to get the gap
closed: integrations/README.md, "lmms-eval".
`,
};
