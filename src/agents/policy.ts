/**
 * The one interface every model meets the rest of askfirst through (DESIGN.md §1): given the
 * current observation (image, prompt, lettered options, history), return a reply string and,
 * where the backend can, a log-probability per option. Every evaluation and trainer talks to
 * `Policy` only; every backend passes the shared conformance suite (src/testing/policy-conformance.ts).
 */
import type { TurnView } from '../episode/state.js';
import type { RGBImage } from '../scenes/image.js';
import type { ViewRef } from '../suite/types.js';

/** What a policy sees at one turn: the turn view with its image resolved. */
export interface Observation extends Omit<TurnView<ViewRef>, 'viewRef'> {
  image: RGBImage;
}

export interface PolicyReply {
  /** The raw reply text; it is parsed by the episode protocol (option text or letter). */
  reply: string;
  /** Log-probability per option of `Observation.options`, when the backend can give it. */
  optionLogProbs?: number[];
}

export interface ActOptions {
  /** Sample instead of answering greedily (backends without sampling ignore it). */
  sample?: boolean;
  /** Abort in-flight work (Ctrl-C). */
  signal?: AbortSignal;
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
  /** Reply to a batch of observations (one per active episode), in order. */
  act(batch: readonly Observation[], opts?: ActOptions): Promise<PolicyReply[]>;
  /** Counters for the run summary (e.g. HTTP requests, retries, failures, cache hits), when the backend keeps any. */
  stats?(): Record<string, number>;
  /** Release resources (connections, workers). */
  close?(): Promise<void>;
}
