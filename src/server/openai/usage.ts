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
 */
import { tokenize } from '../../agents/builtin/vocab.js';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
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

/**
 * The text up to the end of its `max`-th token, counted as `usageOf` counts them (`tokenize`), and
 * whether anything was cut: the text is kept whole when it holds at most `max` tokens. A cut text
 * holds exactly `max` tokens; what followed its last one (punctuation too) is left out, as a
 * tokenizer's next token would be.
 */
export function cutAtTokens(text: string, max: number): { text: string; cut: boolean } {
  if (tokenize(text).length <= max) return { text, cut: false };
  // tokenize lower-cases first, which can lengthen a character (İ → i̇): map each lower-cased
  // position back to the end of the character it came from, so the cut never splits one.
  let lowered = '';
  const sourceEnd: number[] = [];
  let at = 0;
  for (const ch of text) {
    at += ch.length;
    const low = ch.toLowerCase();
    lowered += low;
    for (let k = 0; k < low.length; k++) sourceEnd.push(at);
  }
  const words = /[a-z0-9]+/g;
  let end = 0;
  for (let k = 0; k < max; k++) {
    const m = words.exec(lowered)!; // tokenize found more than max of them
    end = m.index + m[0].length;
  }
  return { text: text.slice(0, sourceEnd[end - 1]), cut: true };
}
