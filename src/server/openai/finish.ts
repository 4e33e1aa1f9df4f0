/**
 * Where a served reply ends, and its `finish_reason`, from the request's `stop` and token limit
 * (`max_completion_tokens`, else `max_tokens`, as vLLM reads them). A model generating token by
 * token stops at whichever comes first: a stop sequence complete within the first `limit` tokens
 * ends the reply before it ("stop", vLLM checks stop sequences before the length at each token);
 * otherwise a reply of more than `limit` tokens is cut after its limit-th token ("length"). Tokens
 * are the words `usage` counts (usage.ts), so a cut choice's completion_tokens is the limit.
 */
import { cutAtTokens } from './usage.js';

/** The reply up to its first stop sequence, which is left out (as OpenAI returns it). */
export function cutAtStop(reply: string, stops: readonly string[]): string {
  let end = reply.length;
  for (const x of stops) {
    const i = reply.indexOf(x);
    if (i >= 0 && i < end) end = i;
  }
  return reply.slice(0, end);
}

export interface FinishedReply {
  content: string;
  finish_reason: 'stop' | 'length';
}

/** A policy's whole reply as the client gets it: cut at the token limit (undefined: none) or before a stop sequence. */
export function finishReply(reply: string, stops: readonly string[], limit: number | undefined): FinishedReply {
  const { text, cut } = limit === undefined ? { text: reply, cut: false } : cutAtTokens(reply, limit);
  // only what the first `limit` tokens hold could have been stopped: a stop sequence beyond them never appears
  const content = cutAtStop(text, stops);
  return { content, finish_reason: cut && content === text ? 'length' : 'stop' };
}
