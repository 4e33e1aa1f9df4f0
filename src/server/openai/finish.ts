/**
 * Where a served reply ends, and its `finish_reason`, from the request's `stop` and token limit
 * (`max_completion_tokens`, else `max_tokens`, as vLLM reads them), as a model generating the
 * reply token by token would end it. Tokens are the words `usage` counts (usage.ts); a token's
 * text is what follows the previous token up to its own end (the spaces and punctuation before a
 * word come with it), and what follows the last token, if anything, comes as one more step.
 *
 * OpenAI documents only that the reply stops before a stop sequence and leaves it out ("up to 4
 * sequences where the API will stop generating further tokens; the returned text will not contain
 * the stop sequence"). Which one wins when several occur is vLLM's rule (the server researchers
 * compare with), read from vllm-project/vllm at commit e372329d90d7d12e3957ac21c4097fd9bb79192c:
 * vllm/v1/engine/detokenizer.py `BaseIncrementalDetokenizer.update` appends each step's text and
 * calls `StopChecker.check_stop_strings` (vllm/engine/output_processor/stop_checker.py), which
 * tries the request's stop strings in list order, looks for each only among matches that end in
 * the text just added (`output_text.find(stop_str, 1 - new_char_count - len(stop_str))`), and
 * cuts the text before the first one found. So:
 *   - the stop sequence COMPLETED at the earliest token wins, wherever it starts (in "B. Move the
 *     block", "the" completed by the third token beats "Move the block", completed by the fourth
 *     though it starts first: the reply is "B. Move ");
 *   - among those completed by the same token, the first in the request's list wins (stops "b",
 *     "ab", both completed by the token "xab": the reply is "xa"; listed "ab", "b": "x");
 *   - the reply is cut before that sequence's first occurrence.
 * The token limit: a stop sequence completed within the first `limit` tokens ends the reply before
 * it ("stop": in vLLM v1 the scheduler caps the length, then the detokenizer's stop match for that
 * same step replaces finish_reason with "stop"); otherwise a reply of more than `limit` tokens is
 * cut after its limit-th token ("length"), so a cut choice's completion_tokens is the limit.
 */
import type { PolicyReply } from '../../agents/policy.js';
import type { ReplyCause } from '../../episode/types.js';
import { cutAtTokens, tokenEnds } from './usage.js';

/**
 * The stop sequence a model generating `text` step by step stops at (vLLM's rule, above): where
 * its first occurrence starts, or undefined when none occurs. `stepEnds`: where each step of the
 * text ends, ascending, the last at text.length.
 */
export function firstStop(text: string, stops: readonly string[], stepEnds: readonly number[]): { stop: string; at: number } | undefined {
  let best: { stop: string; at: number; step: number } | undefined;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at < 0) continue;
    const step = stepEnds.findIndex((end) => end >= at + stop.length); // the step that completes it
    if (best === undefined || step < best.step) best = { stop, at, step }; // same step: the earlier in the list stays
  }
  return best && { stop: best.stop, at: best.at };
}

/** Where each step of a generated text ends: after each token, and at the text's end for what follows the last one. */
export function stepEnds(text: string): number[] {
  const ends = tokenEnds(text);
  if ((ends.at(-1) ?? -1) < text.length) ends.push(text.length);
  return ends;
}

export interface FinishedReply {
  content: string;
  finish_reason: 'stop' | 'length';
}

/** A policy's whole reply as the client gets it: cut at the token limit (undefined: none) or before a stop sequence. */
export function finishReply(reply: string, stops: readonly string[], limit: number | undefined): FinishedReply {
  const { text, cut } = limit === undefined ? { text: reply, cut: false } : cutAtTokens(reply, limit);
  // only what the first `limit` tokens hold could have been stopped: a stop sequence completed beyond them never appears
  const hit = firstStop(text, stops, stepEnds(text));
  if (hit) return { content: text.slice(0, hit.at), finish_reason: 'stop' };
  return { content: text, finish_reason: cut ? 'length' : 'stop' };
}

/**
 * The token limit a policy's reply is cut at here (by words): the request's, unless the reply's backend already ended it
 * at that limit in its own tokens — a proxy's upstream that honoured the forwarded limit: its usage's completion_tokens
 * within it, or, when it sent no usage, its finish_reason "length" (PolicyReply.cause). A tokenizer's tokens are not
 * words ("Zürich" is one token and two), so such a reply was cut a second time, short of what the upstream sent, its
 * own usage and finish_reason dropped for serve's. A "length" without usage counts only when the limit the upstream was
 * sent (PolicyReply.limitSent) is within the request's: an upstream sent none (`omitParams: max_tokens`) or a larger one
 * (an `extraBody` max_tokens) cut at a limit of its own, and serve cuts by words as for any other policy.
 * Other policies send neither: their replies are cut as before.
 * An upstream's "length" on a reply shorter than the limit in words is passed on as it came, whole (`servedFinish`):
 * a tokenizer's tokens outnumber a text's words (punctuation, pieces of words), a reasoning model's reasoning counts
 * against the limit too, and OpenAI's "length" also says the context ran out; the reply was cut short, and "stop"
 * would tell the client it is whole. There is nothing to cut here either: the words are within the limit.
 */
export function cutLimit(limit: number | undefined, r: Pick<PolicyReply, 'usage' | 'cause' | 'limitSent'>): number | undefined {
  if (limit === undefined) return undefined;
  // a "length" alone says the upstream cut at the limit it was sent: trusted only when that one is within the client's
  // (PolicyReply.limitSent). Before, it was trusted whatever was sent: with --omit-params max_tokens, or an --extra-body
  // max_tokens of 1000, an upstream's "length" at its own limit reached a client of max_tokens 2 whole, 4 words and more
  const honoured = r.usage ? r.usage.completionTokens <= limit : r.cause === 'length' && r.limitSent !== undefined && r.limitSent <= limit;
  return honoured ? undefined : limit;
}

/**
 * The `finish_reason` a choice is sent with: serve's own when it cut the reply here (`cutHere`: by the request's stop or
 * token limit, which a proxy forwards, so only when its upstream ignored them), else the one the policy's backend's
 * server gave when it was not "stop" (a proxy's upstream's "length" or "content_filter", kept as PolicyReply.cause),
 * else "stop". Before, a proxied reply its upstream cut at its token limit was sent as "stop", as if whole.
 */
export function servedFinish(finished: FinishedReply, cutHere: boolean, cause: ReplyCause | undefined): 'stop' | 'length' | 'content_filter' {
  if (cutHere) return finished.finish_reason;
  return cause === 'length' ? 'length' : cause === 'content-filter' ? 'content_filter' : 'stop';
}
