/**
 * One environment session: an episode played turn by turn through the episode protocol
 * (src/episode/state.ts, the same transitions and reply matching as `askfirst eval`), with
 * OpenEnv-shaped results — `{observation, reward, done}` — and the observation a trainer feeds its
 * VLM directly: the view as a PNG (base64), question, lettered options, the prompt in
 * ProactiveBench's template and the same turn as OpenAI chat `messages`. Rewards come from
 * `Rewarder` (askfirst's multi-turn or ProactiveBench's single-turn reward). No I/O but the view
 * loader: the HTTP/WebSocket layer (src/server/env/) owns transport and sessions.
 */
import { buildMessages, type ChatMessage } from '../agents/http/messages.js';
import { optionLetter } from '../episode/parse.js';
import { questionFor } from '../episode/prompt.js';
import { EpisodeState } from '../episode/state.js';
import { stripThinking } from '../episode/thinking.js';
import type { EvalMode, Outcome, ParsedAction } from '../episode/types.js';
import type { SuiteEpisode } from '../suite/types.js';
import { AskfirstError, InputError } from '../util/errors.js';
import { checkMode, type EpisodeChoice, type EpisodePool } from './episodes.js';
import type { Rewarder } from './rewards.js';

/** The observation fields (OpenEnv's `observation` object; reward and done travel beside it). */
export interface EnvObservation {
  episode_id: string;
  kind: string;
  mode: EvalMode;
  /** Turn index of this observation (0 at reset); after the last step, the number of turns taken. */
  turn: number;
  max_turns: number;
  /** View index shown (null once the episode is over). */
  view: number | null;
  /** The view as base64 PNG (null once over). */
  image_png_base64: string | null;
  question: string;
  /** Lettered options in display order: interventions first, then categories (empty once over). */
  options: { letter: string; text: string }[];
  num_interventions: number;
  /** ProactiveBench's multiple-choice prompt (null once over). */
  prompt: string | null;
  /** The same turn as OpenAI chat messages: one user message with the prompt and the view as a data URL. */
  messages: ChatMessage[];
  /** The reply just stepped, how it was parsed, and how the episode ended (null at reset / while going on). */
  last_reply: string | null;
  last_action: ParsedAction | null;
  outcome: Outcome | null;
  /** Valid interventions so far. */
  interventions: number;
  /** Weighted reward components when the askfirst reward paid out at this step. */
  reward_parts: Record<string, number>;
}

export interface StepResult {
  observation: EnvObservation;
  reward: number | null;
  done: boolean;
}

/** OpenEnv's State (episode_id, step_count) plus ours. */
export interface EnvState {
  episode_id: string | null;
  step_count: number;
  kind?: string;
  mode?: EvalMode;
  view?: number | null;
  done?: boolean;
  outcome?: Outcome | null;
  replies?: string[];
  total_reward?: number;
}

/** An error a client caused by stepping at the wrong time (before reset, after the end). */
export class SessionStateError extends AskfirstError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

export class EnvSession {
  private state_: EpisodeState<SuiteEpisode['views'][number]> | null = null;
  private total = 0;
  private steps = 0;

  constructor(
    private readonly pool: EpisodePool,
    private readonly rewarder: Rewarder,
  ) {}

  get episode(): SuiteEpisode | null {
    return (this.state_?.episode as SuiteEpisode | undefined) ?? null;
  }

  /** Start an episode (by id, seed, kind filter or next in order) and observe its first turn. */
  async reset(choice: EpisodeChoice = {}): Promise<StepResult> {
    const mode = checkMode(choice.mode);
    const ep = await this.pool.episode(this.pool.choose(choice));
    this.state_ = new EpisodeState(ep, mode);
    this.total = 0;
    this.steps = 0;
    return { observation: await this.observe(null, null, {}), reward: null, done: false };
  }

  /**
   * Apply one reply (option text or letter, matched as in `eval`, after its leading reasoning block is removed as the
   * HTTP policy removes it: episode/thinking.ts, every VLM family's markup). The reply kept (`last_reply`, the state's
   * `replies`) is the one matched, without that block.
   */
  async step(reply: string): Promise<StepResult> {
    const s = this.state_;
    if (!s) throw new SessionStateError('step before reset: send a reset first');
    if (s.done) throw new SessionStateError(`episode ${s.episode.id} is over (${s.record().outcome}): send a reset to start another`);
    if (typeof reply !== 'string') throw new InputError('the action needs "reply": a string');
    const answer = stripThinking(reply);
    const action = s.step(answer);
    this.steps++;
    const record = s.done ? s.record() : null;
    const { reward, parts } = this.rewarder.step(action, record);
    this.total += reward;
    return { observation: await this.observe(answer, action, parts), reward, done: s.done };
  }

  state(): EnvState {
    const s = this.state_;
    if (!s) return { episode_id: null, step_count: 0 };
    return {
      episode_id: s.episode.id,
      step_count: this.steps,
      kind: s.episode.kind,
      mode: s.mode,
      view: s.done ? null : s.currentView,
      done: s.done,
      outcome: s.done ? s.record().outcome : null,
      replies: s.turns.map((t) => t.reply),
      total_reward: this.total,
    };
  }

  private async observe(reply: string | null, action: ParsedAction | null, parts: Record<string, number>): Promise<EnvObservation> {
    const s = this.state_!;
    const ep = s.episode as SuiteEpisode;
    const common = {
      episode_id: ep.id,
      kind: ep.kind,
      mode: s.mode,
      max_turns: s.maxTurns(),
      last_reply: reply,
      last_action: action,
      reward_parts: parts,
    };
    if (s.done) {
      const r = s.record();
      return {
        ...common,
        turn: r.turns,
        view: null,
        image_png_base64: null,
        question: questionFor(ep, s.mode),
        options: [],
        num_interventions: 0,
        prompt: null,
        messages: [],
        outcome: r.outcome,
        interventions: r.interventions,
      };
    }
    const v = s.observe();
    const url = await this.pool.pngDataUrl(ep, v.view);
    return {
      ...common,
      turn: v.turn,
      view: v.view,
      image_png_base64: url.slice(url.indexOf(',') + 1),
      question: v.question,
      options: v.options.map((text, i) => ({ letter: optionLetter(i), text })),
      num_interventions: v.numInterventions,
      prompt: v.prompt,
      messages: buildMessages({ past: [], prompt: v.prompt, imageUrl: url }),
      outcome: null,
      interventions: s.turns.filter((t) => t.action.type === 'intervention' && t.action.valid).length,
    };
  }
}

