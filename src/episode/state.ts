/**
 * One episode being played: a small state machine with `observe()` and `step(reply)`.
 * Transitions follow ProactiveBench's MCQA environment (docs/architecture.md §2): a correct category ends
 * the episode as a success; a valid intervention moves to the view it leads to; anything else
 * (wrong category, abstention, an intervention not valid here, an unparseable reply) ends it as
 * a failure; reaching `maxTurns` turns ends it as a failure too. Reference mode is one turn on
 * the clearest view with the categories only.
 */
import { optionLetter, parseReply, type ShownOptions } from './parse.js';
import { formatPrompt, optionTexts, questionFor, shownOptions } from './prompt.js';
import type { Episode, EpisodeRecord, EvalMode, Outcome, ParsedAction, ReplyCause, TurnRecord } from './types.js';
import { episodeVariant } from './variant.js';

/** What the policy sees at one turn (the view itself is resolved by the caller from `view`). */
export interface TurnView<V = unknown> {
  episodeId: string;
  kind: string;
  turn: number;
  /** View index into `Episode.views`. */
  view: number;
  /** The view reference (resolve it to pixels with the suite's loader). */
  viewRef: V;
  question: string;
  /** Option texts in display order; letters are A, B, C… in this order. */
  options: string[];
  /** How many of `options` are interventions (they come first). */
  numInterventions: number;
  /** ProactiveBench's multiple-choice prompt text. */
  prompt: string;
  /** Earlier turns of this episode. */
  history: TurnRecord[];
}

export class EpisodeState<V = unknown> {
  readonly episode: Episode<V>;
  readonly mode: EvalMode;
  private view: number;
  private readonly turnsLog: TurnRecord[] = [];
  private outcome: Outcome | null = null;
  private validInterventions = 0;

  constructor(episode: Episode<V>, mode: EvalMode) {
    this.episode = episode;
    this.mode = mode;
    this.view = mode === 'reference' ? episode.referenceView : episode.firstView;
  }

  get done(): boolean {
    return this.outcome !== null;
  }

  get currentView(): number {
    return this.view;
  }

  get turns(): readonly TurnRecord[] {
    return this.turnsLog;
  }

  /** The options shown now. */
  shown(): ShownOptions {
    return shownOptions(this.episode, this.view, this.mode);
  }

  observe(): TurnView<V> {
    if (this.done) throw new Error(`episode ${this.episode.id} is over`);
    const shown = this.shown();
    const options = optionTexts(shown);
    const question = questionFor(this.episode, this.mode);
    return {
      episodeId: this.episode.id,
      kind: this.episode.kind,
      turn: this.turnsLog.length,
      view: this.view,
      viewRef: this.episode.views[this.view],
      question,
      options,
      numInterventions: shown.interventions.length,
      prompt: formatPrompt(question, options),
      history: [...this.turnsLog],
    };
  }

  /** Apply one reply (`cause`: why it has no usable text, when the policy's server said); returns the parsed action. */
  step(reply: string, cause?: ReplyCause): ParsedAction {
    if (this.done) throw new Error(`episode ${this.episode.id} is over`);
    const ep = this.episode;
    const shown = this.shown();
    const action = parseReply(reply, shown);
    const options = optionTexts(shown);
    const lettered = (i: number) => `${optionLetter(i)}. ${options[i]}`;
    const informative = ep.informative?.[this.view];
    const right: number[] = [];
    if (informative !== true) shown.interventions.forEach((o, i) => o.valid && !o.abstain && right.push(i));
    if (shown.answer >= 0) right.push(shown.interventions.length + shown.answer);
    this.turnsLog.push({
      view: this.view,
      reply,
      action,
      informative,
      prompt: formatPrompt(questionFor(ep, this.mode), options),
      parsed: action.type === 'unparseable' ? null : lettered(action.option),
      target: right.map(lettered).join(' | '),
      ...(cause === undefined ? {} : { cause }),
    });

    if (action.type === 'category') {
      this.outcome = action.correct ? 'correct' : 'wrong-category';
    } else if (action.type === 'abstain') {
      this.outcome = 'abstain';
    } else if (action.type === 'unparseable') {
      this.outcome = 'unparseable';
    } else if (!action.valid || this.mode === 'reference') {
      this.outcome = 'invalid-intervention';
    } else {
      this.validInterventions++;
      this.view = ep.steps[this.view].next[action.intervention];
    }
    if (!this.done && this.turnsLog.length >= this.maxTurns()) this.outcome = 'max-turns';
    return action;
  }

  maxTurns(): number {
    return this.mode === 'reference' ? 1 : this.episode.maxTurns;
  }

  record(): EpisodeRecord {
    if (!this.outcome) throw new Error(`episode ${this.episode.id} is not over`);
    const ep = this.episode;
    const last = this.turnsLog[this.turnsLog.length - 1];
    const guessed =
      last.action.type === 'category' && this.mode !== 'reference' && last.informative === false;
    const variant = episodeVariant(ep.meta);
    return {
      id: ep.id,
      kind: ep.kind,
      mode: this.mode,
      control: ep.control,
      success: this.outcome === 'correct',
      outcome: this.outcome,
      turns: this.turnsLog.length,
      interventions: this.validInterventions,
      ps: this.turnsLog.length - 1,
      minInterventions: this.mode === 'reference' ? 0 : ep.minInterventions,
      guessed,
      ...(variant === undefined ? {} : { variant }),
      ...(this.outcome === 'unparseable' && last.cause !== undefined ? { unparseableCause: last.cause } : {}),
      replies: this.turnsLog.map((t) => t.reply),
      actions: this.turnsLog.map((t) => t.action),
      views: this.turnsLog.map((t) => t.view),
      informative: this.turnsLog.map((t) => t.informative ?? null),
      prompts: this.turnsLog.map((t) => t.prompt ?? ''),
      parsed: this.turnsLog.map((t) => t.parsed ?? null),
      targets: this.turnsLog.map((t) => t.target ?? ''),
    };
  }
}
