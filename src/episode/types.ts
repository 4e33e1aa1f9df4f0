/**
 * The episode: the unit of ProactiveBench's multi-turn multiple-choice protocol
 * (De Min et al., arXiv 2603.19466; docs/architecture.md §2). This layer knows nothing of what a view
 * contains: `V` is whatever the suite uses to point at an image.
 */

/** What the policy may do on one view: the intervention options offered and where the valid ones lead. */
export interface ViewStep {
  /** Indices into `Episode.interventions`, in the order they are shown (abstain options included). */
  offered: number[];
  /** For each valid offered intervention: the view index it leads to. Offered but absent = invalid here. */
  next: Record<number, number>;
  /**
   * False when naming the correct category here does not count (ProactiveBench's ROD environment
   * accepts no category at its first turn): such a reply is scored as a wrong category. Default true.
   */
  answerable?: boolean;
}

export interface Episode<V = unknown> {
  /** Unique within a suite. */
  id: string;
  /** Scenario kind (one of suite/kinds' SCENARIO_KINDS for synthetic suites; a dataset name for imported ones). */
  kind: string;
  /** The question asked at every proactive turn. */
  question: string;
  /** The question asked in reference mode (defaults to `question`). */
  referenceQuestion?: string;
  /** A hint sentence appended to the question in hint mode. */
  hint?: string;
  /** Every view the episode can show, by index. */
  views: V[];
  /** The view shown at the first turn. */
  firstView: number;
  /** The clearest view, shown alone in reference mode. */
  referenceView: number;
  /** Category options, in the order shown; exactly one is correct. */
  categories: string[];
  /** Index of the correct category in `categories`. */
  answer: number;
  /** Every intervention option text the episode may show (abstain-style ones included). */
  interventions: string[];
  /** Indices into `interventions` of abstain-style options ("I cannot answer this question."). */
  abstain: number[];
  /** Per view index: what is offered and where valid interventions lead. */
  steps: ViewStep[];
  /** The episode fails when the turn count reaches this (ProactiveBench: its environment's max_steps — num_images for most datasets). */
  maxTurns: number;
  /** Per view index: whether it shows enough to tell the category (oracle measure), when known. */
  informative?: boolean[];
  /** True for control episodes: answerable at the first view, asking is over-asking. */
  control: boolean;
  /** Fewest valid interventions from the first view to an informative view (0 for controls). */
  minInterventions: number;
  /** Free-form extras (generator parameters, source dataset fields). */
  meta?: Record<string, unknown>;
}

/** Evaluation modes: proactive (multi-turn), hint (proactive + hint sentence), reference (clearest view, categories only). */
export type EvalMode = 'proactive' | 'hint' | 'reference';
export const EVAL_MODES: readonly EvalMode[] = ['proactive', 'hint', 'reference'];

/** What a reply was understood as. */
export type ParsedAction =
  | { type: 'category'; option: number; category: number; correct: boolean }
  | { type: 'intervention'; option: number; intervention: number; valid: boolean }
  | { type: 'abstain'; option: number; intervention: number }
  | { type: 'unparseable' };

/**
 * Why a reply had no usable text, as the model's server said (docs/evaluation.md, "Why replies were unparseable"):
 * `content-filter` — it stopped the reply (`finish_reason: "content_filter"`); `length` — the reply was cut off at the
 * token limit (`finish_reason: "length"`); `reasoning-only` — all its text was reasoning (`reasoning_content` /
 * `reasoning`, or a `<think>` block), the answer empty; `empty` — the reply had no text at all, though it ended
 * normally (`finish_reason: "stop"`) and carried no reasoning. Backends without a server (the built-in model,
 * baselines) give none.
 */
export type ReplyCause = 'content-filter' | 'length' | 'reasoning-only' | 'empty';
export const REPLY_CAUSES: readonly ReplyCause[] = ['content-filter', 'length', 'reasoning-only', 'empty'];

/** How an episode ended. */
export type Outcome =
  | 'correct'
  | 'wrong-category'
  | 'abstain'
  | 'invalid-intervention'
  | 'unparseable'
  | 'max-turns';
export const OUTCOMES: readonly Outcome[] = ['correct', 'wrong-category', 'abstain', 'invalid-intervention', 'unparseable', 'max-turns'];

export interface TurnRecord {
  /** View index shown at this turn. */
  view: number;
  /** The raw reply. */
  reply: string;
  /** How it was parsed. */
  action: ParsedAction;
  /** Whether the shown view was informative (undefined when unknown). */
  informative?: boolean;
  /** The prompt shown at this turn. */
  prompt?: string;
  /** The matched option as "B. text", null when none. */
  parsed?: string | null;
  /** Why the reply had no usable text, when the policy's server said (ReplyCause). */
  cause?: ReplyCause;
  /** What would have been right here (see EpisodeRecord.targets). */
  target?: string;
}

/** The per-episode record written to results JSONL (docs/architecture.md §2). */
export interface EpisodeRecord {
  id: string;
  kind: string;
  mode: EvalMode;
  control: boolean;
  success: boolean;
  outcome: Outcome;
  /** Turns taken (ProactiveBench's num_turns). */
  turns: number;
  /** Valid interventions taken. */
  interventions: number;
  /** ProactiveBench's proactive-suggestion count for this episode: turns − 1. */
  ps: number;
  /** The oracle's minimum number of interventions for this episode. */
  minInterventions: number;
  /** True when the episode ended with a category answer given on an uninformative view. */
  guessed: boolean;
  /** The episode's variant within its kind (the corruption kind's operation), when it has one (episode/variant.ts). */
  variant?: string;
  /**
   * Why the reply that ended the episode as unparseable had no usable text, when the policy's server said (ReplyCause);
   * absent on every other record, and on unparseable ones whose reply simply named no option.
   */
  unparseableCause?: ReplyCause;
  replies: string[];
  actions: ParsedAction[];
  views: number[];
  /** Per turn: whether the view shown was informative (null when unknown). */
  informative?: (boolean | null)[];
  /** Per turn: the prompt text the policy was shown (question and lettered options). */
  prompts?: string[];
  /** Per turn: the option the reply was matched to, as "B. text" (null when it matched none). */
  parsed?: (string | null)[];
  /**
   * Per turn: what would have been right, as lettered options — the correct category, plus the
   * valid interventions when the view does not show enough (e.g. "A. Move the block to the left. | D. circle").
   */
  targets?: string[];
}

/** The per-turn text of an `EpisodeRecord`: what a reader of the episode needs, and no metric reads. */
export const RECORD_TEXT_FIELDS = ['replies', 'prompts', 'parsed', 'targets'] as const;

/**
 * An episode record without its per-turn text (`RECORD_TEXT_FIELDS`) and views: everything every metric, interval and
 * breakdown reads (episode/metrics.ts, eval/intervals.ts, report/data.ts), at a fraction of the memory — `askfirst
 * report` holds every record of every run it compares this way (report/eval-report.ts). Of the per-turn lists, the
 * figures read only the first move (`actions[0]`: over-asking, abstaining at once, ask-vs-guess) and the last view's
 * informativeness (`informative`'s last entry: whether a guess can be told), so a holder of many records may keep only
 * those (eval-report.ts compactRecord: `actions` of one move, `informative` of one entry); read anything else per turn
 * from the full record. Every `EpisodeRecord` is one.
 */
export type EpisodeRecordCore = Omit<EpisodeRecord, (typeof RECORD_TEXT_FIELDS)[number] | 'views'>;
