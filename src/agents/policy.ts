/**
 * The one interface every model meets the rest of askfirst through (docs/architecture.md §1): given the
 * current observation (image, prompt, lettered options, history), return a reply string and,
 * where the backend can, a log-probability per option. Every evaluation and trainer talks to
 * `Policy` only; every backend passes the shared conformance suite (src/testing/policy-conformance.ts).
 */
import type { TurnView } from '../episode/state.js';
import type { RGBImage } from '../scenes/image.js';
import type { SuiteEpisode, ViewRef } from '../suite/types.js';
import type { ReplyCause } from '../episode/types.js';

/** What a policy sees at one turn: the turn view with its image resolved. */
export interface Observation extends Omit<TurnView<ViewRef>, 'viewRef'> {
  image: RGBImage;
  /**
   * Which of several independent samples of this same turn is asked for (an OpenAI request's `n`
   * choices): backends that sample with a stream per (episode, turn) draw a different stream per
   * draw. Absent or 0: the first (the stream a single sample uses).
   */
  draw?: number;
  /**
   * The seed of this observation's random stream, instead of the policy's own: an OpenAI request's `seed`, or
   * the one `askfirst serve` draws for a sampled request without one (sample-stream.ts). Absent: the policy's seed.
   */
  seed?: number;
}

export interface PolicyReply {
  /** The raw reply text; it is parsed by the episode protocol (option text or letter). */
  reply: string;
  /**
   * The reply as the model wrote it, when `reply` is that text read without its reasoning markup or out of its answer
   * wrappers (episode/thinking.ts): scripted:FILE's replies, reasoning block included; an HTTP backend's content as
   * its server sent it (`So it is $\boxed{B}$.`, `<answer>B</answer>`), its leading reasoning block moved to
   * `reasoning`. What `askfirst serve` sends its client, as the model's server would. Absent: `reply`.
   */
  written?: string;
  /**
   * The reasoning the backend's model wrote before its reply, when it wrote any: an OpenAI-compatible server's
   * `reasoning_content` (or `reasoning`: vLLM's since 0.17, Ollama's), else the leading reasoning block taken off its
   * text (its markers off, episode/thinking.ts `reasoningOf`). `askfirst serve` sends it as `reasoning_content` and
   * `reasoning`, as reasoning parsers do; it is not part of the reply the episode reads.
   */
  reasoning?: string;
  /** Log-probability per option of `Observation.options`, when the backend can give it. */
  optionLogProbs?: number[];
  /**
   * Why `reply` has no usable text, when the backend's server said (a content filter, the token limit, reasoning only):
   * kept in the record of an episode it ends as unparseable (`EpisodeRecord.unparseableCause`).
   */
  cause?: ReplyCause;
  /**
   * The backend's own fingerprint of what answered (an OpenAI-compatible server's `system_fingerprint`), when it sent
   * one: `askfirst serve` as a proxy folds it into its own, so a change of the upstream's model shows.
   */
  fingerprint?: string;
  /**
   * The backend's own count of the tokens it read and wrote for this reply (an OpenAI-compatible server's `usage`;
   * vLLM's counts reasoning in completionTokens), when it sent one: `askfirst serve` as a proxy passes it on, with the
   * breakdowns the server sent (`prompt_tokens_details`: cached_tokens, …; `completion_tokens_details`: reasoning_tokens, …).
   */
  usage?: TokenCounts;
  /**
   * The backend's own log-probabilities of the tokens it generated (an OpenAI-compatible server's chat
   * `logprobs.content`, as it sent them: vLLM's cover the reasoning too), when it sent them: `askfirst serve` as a proxy
   * passes them on (each token's alternatives cut to the request's `top_logprobs`). Kept in a response cache only when
   * asked for (ActOptions.logprobs: a proxy's client asked for them).
   */
  tokenLogprobs?: TokenLogprob[];
  /**
   * The token limit the backend's server was sent for this reply (an HTTP backend's `max_tokens` /
   * `max_completion_tokens` in the body it sent, the larger when both went, after `extraBody`), or absent when it was
   * sent none (`omitParams: max_tokens`); given only when the request was asked with `ActOptions.limits` (serve's). `askfirst serve` trusts a backend's finish_reason "length" without usage as a
   * cut at its client's limit only when this is within that limit (server/openai/finish.ts `cutLimit`).
   */
  limitSent?: number;
}

/** A backend's own count of one reply's tokens (OpenAI's `usage`), with its breakdowns when it sent them. */
export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
  /** OpenAI's `usage.prompt_tokens_details` (cached_tokens, audio_tokens; vLLM's cached_tokens): its count fields. */
  promptDetails?: Record<string, number>;
  /** OpenAI's `usage.completion_tokens_details` (reasoning_tokens, audio_tokens, accepted/rejected_prediction_tokens): its count fields. */
  completionDetails?: Record<string, number>;
}

/** One generated token's log-probability and its alternatives, in OpenAI's chat `logprobs.content[]` shape. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes?: number[] | null;
  top_logprobs?: { token: string; logprob: number; bytes?: number[] | null }[];
}

/**
 * What the client of `askfirst serve` asked of a reply's end: OpenAI's token limit (`max_completion_tokens`, else
 * `max_tokens`) and `stop` sequences. A backend that generates through a server of its own (openai:, a proxy) forwards
 * them, as a proxy should, so its upstream stops where it would for the client itself; the others ignore them (serve
 * cuts every reply by them in any case, server/openai/finish.ts, which changes nothing in a reply already ended by them).
 */
export interface ReplyLimits {
  maxTokens?: number;
  stop?: readonly string[];
}

/**
 * What the client of `askfirst serve` asked of a reply's log-probabilities: OpenAI's `logprobs` and `top_logprobs`
 * (absent: the server's default, 0 alternatives for OpenAI and vLLM). A proxy backend (openai:) forwards them, so its
 * upstream is asked what the client asked (none when it asked none), not its own topLogprobs (10).
 */
export interface LogprobsAsked {
  logprobs: boolean;
  topLogprobs?: number;
}

/**
 * How a sampled reply is drawn: OpenAI's `temperature` and `top_p`, as vLLM applies them (softmax(z / T), then
 * the nucleus). Absent fields take the defaults, which draw from the model's own distribution (what `--sample` does).
 */
export interface Sampling {
  /** Divides the logits before the softmax: below 1 sharper (towards the greedy choice), above 1 flatter; > 0, default 1. */
  temperature?: number;
  /** Nucleus sampling: only the likeliest choices whose probabilities first reach top_p are drawn from; in (0, 1], default 1 (all). */
  topP?: number;
}

export interface ActOptions {
  /** Sample instead of answering greedily (backends without sampling ignore it). */
  sample?: boolean;
  /** How to sample, read with `sample` only (default: the model's own distribution); checked by `resolveSampling` (sampling.ts). */
  sampling?: Sampling;
  /** Abort in-flight work (Ctrl-C). */
  signal?: AbortSignal;
  /**
   * Set once the run has failed (another request failed for good): start no new request or retry and cut a backoff
   * wait, but let a request already on the wire end (an episode its reply ends is kept: agents/runner.ts).
   */
  halt?: AbortSignal;
  /** What `askfirst serve`'s client asked of the reply's end (ReplyLimits): forwarded by a proxy backend (openai:). */
  limits?: ReplyLimits;
  /** What `askfirst serve`'s client asked of the reply's log-probabilities (LogprobsAsked): forwarded by a proxy backend (openai:). */
  logprobs?: LogprobsAsked;
}

export interface Policy {
  /** A short name for tables and results ("oracle", "builtin:runs/x", "openai:…#model"). */
  readonly name: string;
  /**
   * True when the backend gains nothing from seeing observations together (e.g. an HTTP client
   * that sends one request per observation): the runner then steps each episode as soon as its
   * own reply arrives instead of waiting for the whole batch. Greedy results are the same.
   */
  readonly pipelined?: boolean;
  /**
   * What its replies depend on that its name does not say, wherever it was loaded from (a built-in model: its weights'
   * SHA-256 and config): `askfirst serve`'s `system_fingerprint` hashes it instead of the name. Absent: the name says it.
   */
  readonly fingerprint?: string;
  /** Reply to a batch of observations (one per active episode), in order. */
  act(batch: readonly Observation[], opts?: ActOptions): Promise<PolicyReply[]>;
  /** Counters for the run summary (e.g. HTTP requests, retries, failures, cache hits), when the backend keeps any. */
  stats?(): Record<string, number>;
  /** Release resources (connections, workers). */
  close?(): Promise<void>;
}

/** What a policy factory is given (see registry.ts). */
export interface PolicyContext {
  /**
   * The episodes the policy will be run on (the oracle needs them): a list, or episodes read one at a time (`askfirst
   * eval`'s stream of a large suite), which a factory reads at most once and does not hold.
   */
  episodes: Iterable<SuiteEpisode> | AsyncIterable<SuiteEpisode>;
  /** Seed for stochastic policies. */
  seed: number;
  /** Backend options from the command line (e.g. concurrency, timeoutMs for openai:); each backend reads the keys it knows. */
  options?: Record<string, unknown>;
  /** Where a backend says something the user should see mid-run (an HTTP backend waiting minutes on a rate limit); stderr in the CLI. */
  notice?: (line: string) => void;
}

/** One backend of the policy registry: builds a Policy from the argument of its spec (`name:arg`). */
export interface PolicyFactory {
  /** The spec prefix, e.g. "openai". */
  name: string;
  /** One line for --help, e.g. "openai:URL#MODEL  any OpenAI-compatible endpoint". */
  usage: string;
  create(arg: string | undefined, ctx: PolicyContext): Promise<Policy>;
  /** Check the argument alone, cheaply (no file read, no model loaded), so a malformed spec fails before any work. */
  check?(arg: string | undefined): void;
  /** The run's settings this policy reads (`--sample`, `--seed`); none when absent: a command refuses them, not ignores them. */
  reads?(arg: string | undefined): readonly PolicySetting[];
  /**
   * Its replies depend on the episodes it is given (the oracle: their answers and view graphs): `askfirst serve`'s
   * `system_fingerprint` then covers the fingerprint of `--data` (suite/fingerprint.ts), as its name does not say them.
   */
  answersFromData?: boolean;
  /**
   * Its factory reads `PolicyContext.episodes` (the oracle, scripted:FILE): a command reading data for it hands it the one
   * pass; any other policy is made once the data is read and checked (`askfirst serve`: a built-in model is loaded after
   * bad data is refused, not before).
   */
  readsEpisodes?: boolean;
  /** Its argument is a path (builtin:DIR, scripted:FILE): two spellings of one path (`DIR/`, `./DIR`) are one policy (registry.ts samePolicySpec). */
  path?: boolean;
  /**
   * The model id `askfirst serve` lists for it when no `--model-name` is given, where the spec would show clients what
   * is not theirs to see (openai:URL#MODEL: the upstream's address; registry.ts servedModelId). Absent: the spec.
   */
  servedId?(arg: string): string;
}

/** Settings of a run a policy may read beside its spec: sampled replies instead of greedy ones, the seed of its random stream. */
export type PolicySetting = 'sample' | 'seed';
