/**
 * The `usage` of a chat completion from `askfirst serve`. OpenAI and vLLM count the tokens of
 * their model's tokenizer; the policies served here have none in common (the built-in model reads
 * word tokens, the baselines read nothing), so the counts follow one documented rule instead of
 * reporting 0 (which says no text was read or written) or leaving `usage` out (optional in OpenAI's
 * API, but clients read it unguarded: lmms-eval's OpenAI-compatible model takes
 * `response.usage.completion_tokens`, which fails when it is missing, and retries the request):
 *   - a token is a word as the built-in model's text encoder splits it (`tokenize`,
 *     agents/builtin/vocab.ts: lower-cased runs of letters and digits; punctuation is not counted);
 *   - prompt_tokens: the tokens of every text in "messages" (string contents and text parts of
 *     every role); images count 0;
 *   - completion_tokens: the tokens of every choice's reply (all `n` of them, as OpenAI counts);
 *   - total_tokens: their sum.
 * So the same request always reports the same usage, and a longer prompt or reply a larger one.
 * `max_tokens` counts the same tokens: a reply is cut after its limit-th one (`cutAtTokens`), so
 * each choice's completion_tokens is at most the limit.
 *
 * A proxy (`serve --policy openai:…`) has a truth to pass on: its upstream's own `usage` (its tokenizer's tokens; vLLM
 * counts the reasoning in completion_tokens), which `servedUsage` sends when the upstream sent one for every choice:
 * prompt_tokens the upstream's for the prompt (each choice is one upstream request with the same prompt; vLLM counts a
 * request's prompt once for its n choices), with its `prompt_tokens_details` (cached_tokens…, the first choice's as its
 * prompt_tokens), whether or not a reply was cut here — the prompt sent upstream is the one the client sent, and a
 * cut changes only the completion (before, one cut reply turned prompt_tokens into a word count too, 1300 tokens
 * reported as the prompt's 40 words); completion_tokens the sum of the choices': a whole choice's the upstream's own,
 * a choice cut here (by `stop` or the token limit, which count words: only an upstream that ignored them) the
 * upstream's own tokens up to the cut when it sent its per-token logprobs (the client asked for `logprobs`: the
 * tokens whose text begins before the cut, the reasoning's among them as vLLM counts them; the same tokens the
 * choice's `logprobs` carry; more than the limit when they outnumber its words, the cut having counted words), else the words of what was sent, as the cut counted them (so at most the limit it was
 * cut at); never more than the upstream's count of the whole reply (a prefix holds no more tokens than the whole); `completion_tokens_details`
 * (reasoning_tokens…, summed) only when no choice was cut (a word count has no breakdown). Otherwise (an upstream
 * that sends none, any other policy) the word count above.
 */
import type { TokenCounts } from '../../agents/policy.js';
import { tokenize } from '../../agents/builtin/vocab.js';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** A proxy's upstream's own breakdowns, passed on with its counts (servedUsage). */
  prompt_tokens_details?: Record<string, number>;
  completion_tokens_details?: Record<string, number>;
}

type Part = { type?: string; text?: unknown };

/** The texts of one message's content: the string itself, or its text parts in order (images and other parts left out). */
export function textParts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return (content as Part[]).filter((p) => p?.type === 'text' && typeof p.text === 'string').map((p) => p.text as string);
}

/** Every text of a request's messages, in order. */
function messageTexts(messages: unknown): string[] {
  return Array.isArray(messages) ? (messages as { content?: unknown }[]).flatMap((m) => textParts(m?.content)) : [];
}

const count = (texts: readonly string[]) => texts.reduce((n, t) => n + tokenize(t).length, 0);

/** The usage of one completion: the request's messages and the replies of its choices. */
export function usageOf(messages: unknown, replies: readonly string[]): Usage {
  const prompt = count(messageTexts(messages));
  const completion = count(replies);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** A policy's own count of one reply's tokens (PolicyReply.usage). */
export type ReplyUsage = TokenCounts;

/**
 * The n choices' completion breakdowns summed field by field, the fields every choice has (undefined when a choice has
 * none, or none is common to all): as vLLM sums a request's n choices' completion tokens.
 */
function summedDetails(all: readonly (Record<string, number> | undefined)[]): Record<string, number> | undefined {
  if (all.some((d) => d === undefined)) return undefined;
  const fields = Object.keys(all[0]!).filter((k) => all.every((d) => d![k] !== undefined));
  return fields.length ? Object.fromEntries(fields.map((k) => [k, all.reduce((n, d) => n + d![k], 0)])) : undefined;
}

/**
 * The usage a completion reports (above): with the policy's own counts for every choice (`own`), its prompt_tokens and
 * their breakdown (the first choice's), the completion_tokens of the choices summed — a choice `cut` here counted by
 * its backend's tokens up to the cut when its logprobs give them (`cutTokens`: server.ts `tokensUpTo`), else by the
 * words `sent` of it, at most its own count either way — and their breakdowns (`summedDetails`) when none was cut; else
 * `usageOf`'s word count of the messages and the replies as sent, without breakdowns (a word count has none).
 */
export function servedUsage(
  messages: unknown,
  sent: readonly string[],
  own: readonly (ReplyUsage | undefined)[],
  cut: readonly boolean[],
  cutTokens: readonly (number | undefined)[] = [],
): Usage {
  const counts = own.filter((u): u is ReplyUsage => u !== undefined);
  if (!counts.length || counts.length < own.length) return usageOf(messages, sent);
  const prompt = counts[0].promptTokens;
  // a cut choice: the upstream's tokens up to the cut when its logprobs spelled them (`cutTokens`), else the words sent
  const completion = counts.reduce((n, u, i) => n + (cut[i] ? Math.min(cutTokens[i] ?? count([sent[i]]), u.completionTokens) : u.completionTokens), 0);
  const promptDetails = counts[0].promptDetails;
  const completionDetails = cut.some(Boolean) ? undefined : summedDetails(counts.map((u) => u.completionDetails));
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(promptDetails ? { prompt_tokens_details: promptDetails } : {}),
    ...(completionDetails ? { completion_tokens_details: completionDetails } : {}),
  };
}

/**
 * Where each token of the text ends (the index just after its last character), counting tokens as
 * `usageOf` does (`tokenize`). tokenize lower-cases first, which can lengthen a character (İ → i̇):
 * each lower-cased position is mapped back to the end of the character it came from, so an end
 * never splits one.
 */
export function tokenEnds(text: string): number[] {
  let lowered = '';
  const sourceEnd: number[] = [];
  let at = 0;
  for (const ch of text) {
    at += ch.length;
    const low = ch.toLowerCase();
    lowered += low;
    for (let k = 0; k < low.length; k++) sourceEnd.push(at);
  }
  return [...lowered.matchAll(/[a-z0-9]+/g)].map((m) => sourceEnd[m.index + m[0].length - 1]);
}

/**
 * The text up to the end of its `max`-th token (`tokenEnds`), and whether anything was cut: the
 * text is kept whole when it holds at most `max` tokens. A cut text holds exactly `max` tokens;
 * what followed its last one (punctuation too) is left out, as a tokenizer's next token would be.
 */
export function cutAtTokens(text: string, max: number): { text: string; cut: boolean } {
  const ends = tokenEnds(text);
  if (ends.length <= max) return { text, cut: false };
  return { text: text.slice(0, max > 0 ? ends[max - 1] : 0), cut: true };
}
