/**
 * Single-turn rewards for (episode, turn, reply) items — what OpenRLHF's remote reward model
 * (`--reward.remote_url`, formerly `--remote_rm_url`) asks for: a POST with `query` (prompt and
 * response decoded as one text), `prompts` and `labels` lists, answered with `rewards` (plus
 * `scores` for dynamic filtering and `extra_logs`). Our `labels` entry is the JSON the TRL/OpenRLHF
 * export writes: `{"episode_id", "turn", "view"}`, and `"mode"` where the prompt's is not proactive (reference mode
 * letters the categories alone); the state is ProactiveBench's single-turn one
 * (the episode restarted at that view, as src/rl/rollout.ts `rolloutSingleTurn` does), the reply is
 * matched as in `eval` (after its leading reasoning block, episode/thinking.ts), and the reward is `singleTurnReward`
 * (r_c, r_p, r_w).
 */
import { parseReply } from '../episode/parse.js';
import { shownOptions } from '../episode/prompt.js';
import { stripThinking } from '../episode/thinking.js';
import { EVAL_MODES, type EvalMode, type ParsedAction } from '../episode/types.js';
import { InputError, NotFoundError } from '../util/errors.js';
import { canonicalView, type EpisodePool } from './episodes.js';
import type { Rewarder } from './rewards.js';
import type { SuiteEpisode } from '../suite/types.js';

export interface SingleTurnLabel {
  episode_id: string;
  /** Turn along the episode's canonical path (see `canonicalView`); used when `view` is absent. */
  turn?: number;
  /** View index shown (wins over `turn`). */
  view?: number;
  /**
   * Protocol mode of the row's prompt (proactive unless set): the options the reply is read against, as the prompt
   * lettered them (reference mode: the categories alone, at the episode's clearest view).
   */
  mode?: EvalMode;
}

/** A label as sent: a JSON string (OpenRLHF passes the dataset's label column through) or an object. */
export function parseLabel(raw: unknown, index: number): SingleTurnLabel {
  let v = raw;
  if (typeof raw === 'string') {
    try {
      v = JSON.parse(raw);
    } catch {
      throw new InputError(`labels[${index}] is not JSON; expected {"episode_id": "...", "turn": 0} (the label column of \`askfirst export --format trl\`)`);
    }
  }
  const o = v as Record<string, unknown> | null;
  if (!o || typeof o !== 'object' || typeof o.episode_id !== 'string') throw new InputError(`labels[${index}] needs "episode_id" (a string)`);
  for (const k of ['turn', 'view'] as const) {
    if (o[k] !== undefined && !(Number.isInteger(o[k]) && (o[k] as number) >= 0)) throw new InputError(`labels[${index}].${k} must be a non-negative integer`);
  }
  if (o.mode !== undefined && !EVAL_MODES.includes(o.mode as EvalMode)) throw new InputError(`labels[${index}].mode must be one of ${EVAL_MODES.join(', ')} (the --mode of askfirst export), not ${JSON.stringify(o.mode)}`);
  return { episode_id: o.episode_id, turn: o.turn as number | undefined, view: o.view as number | undefined, mode: o.mode as EvalMode | undefined };
}

/**
 * Special tokens chat templates end a turn with (stripped from the end of a decoded response): `<|…|>` (Qwen, InternVL,
 * Llama 3, Phi, GPT-OSS), `</s>` and `[/INST]` (Mistral, LLaVA), `<eos>` and `<end_of_turn>` (Gemma 3), `<turn|>`
 * (Gemma 4: TRL 1.9 grpo_trainer.py, chat_templates/diffusion_gemma.jinja; OpenRLHF 0.11's vlm_utils.py names Qwen3.5
 * and Gemma 4), `<end_of_utterance>` (Idefics3, SmolVLM: TRL's chat_templates/idefics3.jinja). The same set as
 * integrations/openrlhf/askfirst_agent.py's `reply_of`. Not GLM-4.5V's `<|end_of_box|>`, which closes its boxed answer
 * (episode/thinking.ts), not the turn: the box it closes was left open and the answer unparseable.
 */
const TRAILING_SPECIALS = /(\s*(<\|(?!end_of_box\|>)[^|<>]{1,40}\|>|<\/s>|<eos>|<end_of_turn>|<turn\|>|<end_of_utterance>|\[\/INST\]))+\s*$/;

/**
 * The model's reply inside OpenRLHF's `query` (the prompt and response tokens decoded together,
 * special tokens kept): the text after the prompt when the query starts with it, else after the
 * last occurrence of the prompt's final 64 characters (a VLM's decoded prompt repeats image
 * placeholder tokens the prompt text holds once), else the whole query; trailing end-of-turn
 * tokens removed.
 */
export function extractReply(query: string, prompt: string): string {
  let reply = query;
  if (prompt && query.startsWith(prompt)) reply = query.slice(prompt.length);
  else if (prompt) {
    const tail = prompt.slice(-64);
    const at = query.lastIndexOf(tail);
    if (at >= 0) reply = query.slice(at + tail.length);
  }
  return reply.replace(TRAILING_SPECIALS, '').trim();
}

export interface SingleTurnScore {
  reward: number;
  action: ParsedAction;
  view: number;
}

/** The single-turn reward of one reply at one state: matched after its leading reasoning block is removed, as `eval` does. */
export function scoreSingleTurn(episodes: ReadonlyMap<string, SuiteEpisode>, rewarder: Rewarder, label: SingleTurnLabel, reply: string, index = 0): SingleTurnScore {
  const ep = episodes.get(label.episode_id);
  if (!ep) throw new NotFoundError(`labels[${index}]: no episode ${JSON.stringify(label.episode_id)} on this server`);
  const mode = label.mode ?? 'proactive';
  // reference mode has one turn, on the clearest view (trl-export.ts trlRows)
  const view = label.view ?? (mode === 'reference' ? (label.turn ?? 0) === 0 ? ep.referenceView : null : canonicalView(ep, label.turn ?? 0));
  if (view === null || view < 0 || view >= ep.views.length) {
    throw new InputError(`labels[${index}]: episode ${ep.id} has no ${label.view !== undefined ? `view ${label.view}` : `turn ${label.turn} on its ${mode === 'reference' ? 'reference run (one turn)' : 'canonical path'}`}`);
  }
  const action = parseReply(stripThinking(reply), shownOptions(ep, view, mode));
  return { reward: rewarder.singleTurn(action), action, view };
}

export interface RewardRequest {
  query: string[];
  prompts?: string[];
  labels: unknown[];
}

export interface RewardResponse {
  rewards: number[];
  scores: number[];
  extra_logs: Record<string, number[]>;
}

/**
 * Validate OpenRLHF's request body and score every item (all or nothing: a bad item fails the batch with its index), in
 * order, each item's episode asked of the pool as it comes (read again from the data when the pool does not hold it).
 */
export async function rewardBatch(pool: EpisodePool, rewarder: Rewarder, body: unknown): Promise<RewardResponse> {
  const b = body as Partial<RewardRequest> | null;
  if (!b || typeof b !== 'object' || !Array.isArray(b.query) || !Array.isArray(b.labels)) {
    throw new InputError('expected {"query": [...], "prompts": [...], "labels": [...]} (OpenRLHF remote reward model request)');
  }
  const n = b.query.length;
  if (b.labels.length !== n || (b.prompts !== undefined && (!Array.isArray(b.prompts) || b.prompts.length !== n))) {
    throw new InputError(`query, prompts and labels must be lists of the same length (got ${n}, ${Array.isArray(b.prompts) ? b.prompts.length : 'none'}, ${b.labels.length})`);
  }
  const rewards: number[] = [];
  const correct: number[] = [];
  const asked: number[] = [];
  const episodes = new Map<string, SuiteEpisode>(); // those of this batch's labels
  for (let i = 0; i < n; i++) {
    const q = b.query[i];
    const p = b.prompts?.[i] ?? '';
    if (typeof q !== 'string' || typeof p !== 'string') throw new InputError(`query[${i}] and prompts[${i}] must be strings`);
    const label = parseLabel(b.labels[i], i);
    if (!episodes.has(label.episode_id)) {
      const ep = await pool.find(label.episode_id);
      if (ep) episodes.set(ep.id, ep);
    }
    const s = scoreSingleTurn(episodes, rewarder, label, extractReply(q, p), i);
    rewards.push(s.reward);
    correct.push(s.action.type === 'category' && s.action.correct ? 1 : 0);
    asked.push(s.action.type === 'intervention' && s.action.valid ? 1 : 0);
  }
  return { rewards, scores: rewards, extra_logs: { askfirst_correct: correct, askfirst_valid_ask: asked } };
}
