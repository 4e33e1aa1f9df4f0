/**
 * Any `Policy` as an OpenAI-compatible model endpoint (`askfirst serve`):
 *   POST /v1/chat/completions  the last user message holds the prompt text and the view as an
 *                              image data URL (PNG or JPEG); the MCQA template is parsed back
 *                              into question + options so the policy can score the options;
 *                              `logprobs`/`top_logprobs` return per-option letter scores (all
 *                              options when top_logprobs is absent) from a policy that scores
 *                              options (built-in, random, openai: with scores); one that does
 *                              not (oracle, scripted, constant, …) gets `logprobs: null`, since a
 *                              logprob 0 for its letter would read as a model sure of its answer;
 *                              `temperature` (0–2, greedy at 0, the default), `top_p` ((0, 1]), `n` (1–128),
 *                              `top_logprobs` (0–20), `max_tokens`/`max_completion_tokens` (≥ 1)
 *                              out of range are 400s naming the field; temperature scales the
 *                              logits, top_p keeps the nucleus and `seed` makes a sampled reply
 *                              reproducible, as vLLM reads them (without one, each sampled request
 *                              draws anew: sampling.ts); the token limit
 *                              (`max_completion_tokens`, else `max_tokens`) cuts each reply after
 *                              that many tokens as `usage` counts them, finish_reason "length";
 *                              `stop` (a string or up to 4) ends each reply before the stop
 *                              sequence it completes first (vLLM's rule), when that is within the limit (finish.ts); `response_format` other than
 *                              text is a 400 (replies are never JSON), as are a `logit_bias` with entries, vLLM's
 *                              `top_k`/`min_p` on a sampled request (sampling.ts), a `tool_choice`
 *                              that demands a tool call ("required", a named function) and
 *                              `top_logprobs` without `"logprobs": true`, a `stream` that is not true or false, `stream_options` without
 *                              `"stream": true`, a `seed` that is not an integer and a `presence_penalty`/`frequency_penalty`
 *                              outside −2..2 (OpenAI and vLLM refuse them too) or a seed beyond ±(2^53 − 1) (it would arrive
 *                              rounded), vLLM's `echo: true` and `modalities` other than ["text"] (checkTextReply); the penalties
 *                              within range have nothing to act on in a one-option reply (sampling.ts); other fields (`user`, …) are ignored; an image that
 *                              does not decode is a 400 naming "messages", as every image problem is;
 *                              `n` gives n choices (one policy reply each, each sampled from a
 *                              stream of its own: seed + i, as vLLM, or `Observation.draw`);
 *                              `stream: true` is answered as one SSE chunk per choice (plus
 *                              the usage chunk of `stream_options.include_usage`), then [DONE];
 *                              a proxy (`openai:`) sends its upstream's content as its model wrote it (not the answer
 *                              askfirst reads in it, which places the letter scores), its leading reasoning block moved
 *                              to `reasoning_content` and `reasoning`, as vLLM's reasoning parsers move it (content null
 *                              when nothing follows the reasoning, as theirs); its `logprobs` are the upstream's own as sent
 *                              (`servedLogprobs`; up to the cut for a reply cut here, `tokensUpTo`), asked of it as the client
 *                              asked them (ActOptions.logprobs: `logprobs`, `top_logprobs`; the upstream's refusal of them a 400
 *                              naming the field, `upstreamFailure`, never a reply without them), its token limit and `stop` are
 *                              forwarded upstream (ActOptions.limits) and the upstream's finish_reason passed on, unless the
 *                              reply was cut here (finish.ts `servedFinish`; a reply the upstream ended at the limit is not
 *                              cut again by words, `cutLimit`);
 *                              `usage` counts words, not a tokenizer's tokens, but for a proxy's upstream's own usage,
 *                              passed on when it sent one (a reply cut here counted by the upstream's tokens up to the cut when
 *                              its logprobs give them, else by its words sent; at most the upstream's count), its breakdowns with it (usage.ts); `system_fingerprint` (in every
 *                              chunk too) changes exactly with what replies depend on: version, policy, weights (a script's text, the oracle's data), seed, and
 *                              a proxy's upstream's own system_fingerprint when it sends one (fingerprint.ts).
 *   GET  /v1/models            the one model served (GET /v1/models/{id} too); a request must name
 *                              it in "model" (400 without, 404 for any other id, as OpenAI answers)
 *   GET  /healthz              liveness and counters (GET /health too: vLLM's name for it)
 * Another method on one of these paths is a 405 with `Allow`; any other path a 404.
 * Concurrent requests are gathered into batches for `Policy.act` (one batch per policy call,
 * in arrival order; greedy and each temperature and top_p apart), so a batched model is used well under load; a pipelined
 * policy (`openai:`, as a proxy) is asked per request, and one request's failure is its own (batcher.ts). A request whose
 * client disconnects is worked on no further (a proxy's upstream request is cancelled, a request waiting for its batch leaves
 * the queue; /healthz counts them as `cancelled`). A proxy's upstream failure is a 502 with the upstream's status and words;
 * its URL and the advice meant for the operator go to the server's log only (`upstreamFailure`).
 * Greedy unless the request sets temperature > 0. The `x-askfirst-*` headers that askfirst's HTTP client sends when asked
 * (`askfirst eval --askfirst-headers`; never by default, so third-party servers do not see them) carry
 * episode id, turn, view, kind, intervention count and the earlier turns' views and replies
 * (policies such as the oracle need them; the built-in model reads the replies and views);
 * without them the request is treated as turn 0 of an anonymous episode whose last four options are
 * the categories (ProactiveBench shows four), and the previous reply
 * is taken from the conversation's last assistant message when there is one.
 *
 * Safe to expose: bound to loopback it answers only its own Host names and --allow-host ones (403
 * otherwise, against DNS rebinding: ../host-check.ts); on another address it warns once at start
 * that it speaks plain HTTP; slow clients are cut by Node's timeouts (../timeouts.ts);
 * with an API key every route but /healthz and /health wants `Authorization: Bearer KEY`
 * (401 otherwise); bodies over `maxBodyBytes` are refused with 413 before they are read whole;
 * beyond `maxConcurrent` requests in flight a request is refused at once with 429 and
 * Retry-After (askfirst's client, like OpenAI's, retries it), so memory stays bounded.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { optionLetter } from '../../episode/parse.js';
import { stripThinking } from '../../episode/thinking.js';
import type { Observation, Policy, PolicyReply, TokenLogprob } from '../../agents/policy.js';
import { EPISODE_HEADERS } from '../../agents/http/policy.js';
import { servedModelId } from '../../agents/registry.js';
import { decodeImage } from '../../scenes/codec.js';
import type { RGBImage } from '../../scenes/image.js';
import { AskfirstError, DataError, InputError, NotFoundError, UpstreamError } from '../../util/errors.js';
import { allowedMethods, openaiErrorResponse, ParamError, type OpenAIErrorBody } from '../errors.js';
import { hostCheck, hostGuard, warnIfPlainHttp, type HostTest } from '../host-check.js';
import { bodySizeLimit } from '../body-limit.js';
import { nestedDeeper, TOO_DEEP } from '../json-depth.js';
import { baseUrl, listen, type StartOptions } from '../listen.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONCURRENT, DEFAULT_MAX_MESSAGES } from './limits.js';
import { ClientGone, MicroBatcher } from './batcher.js';
import { cutLimit, finishReply, servedFinish } from './finish.js';
import { systemFingerprint } from './fingerprint.js';
import { parseMcqaPrompt } from './mcqa-prompt.js';
import { numberParam } from './params.js';
import { checkChoiceSeeds, requestSampling, unseededStream } from './sampling.js';
import { servedUsage, textParts } from './usage.js';

/** How many trailing options are categories when the client sends no x-askfirst-interventions header. */
export const DEFAULT_CATEGORIES = 4;

type Part = { type?: string; text?: string; image_url?: string | { url?: string } };
type Msg = { role?: string; content?: string | Part[] | null };

/**
 * Decode an image data URL (PNG or JPEG, base64). The bytes decide the format, not the declared type
 * (`data:image/gif;base64,` holding a PNG is read as the PNG, as vLLM reads data URLs); a URL that is not
 * a data URL is refused at once, never fetched, and a data URL that is not a base64 image one is told so.
 */
export function decodeDataUrl(url: string): RGBImage {
  const m = /^data:image\/[a-zA-Z0-9.+-]+;base64,(.*)$/s.exec(url);
  if (!m) {
    const got = JSON.stringify(url.length > 40 ? `${url.slice(0, 40)}…` : url);
    throw new ParamError(
      'BAD_INPUT',
      'messages',
      /^data:/i.test(url)
        ? `an image data URL must be base64 of type image/…: data:image/png;base64,… or data:image/jpeg;base64,…; got ${got}`
        : `images must be data URLs (data:image/png;base64,…): remote image URLs are not fetched; got ${got}`,
    );
  }
  try {
    return decodeImage(Buffer.from(m[1], 'base64'), 'request image');
  } catch (e) {
    // bytes that are not a PNG or JPEG (or do not decode) are the messages' fault, as every other image problem here
    if (e instanceof DataError) throw new ParamError('BAD_DATA', 'messages', e.message);
    throw e;
  }
}

/** The prompt text and image of the last user message. */
export function lastUserTurn(messages: unknown): { text: string; imageUrl: string; priorAssistant: number; previousReply?: string } {
  const bad = (message: string) => new ParamError('BAD_INPUT', 'messages', message);
  if (!Array.isArray(messages) || !messages.length) throw bad('"messages" must be a non-empty array');
  const msgs = messages as Msg[];
  let idx = -1;
  for (let i = msgs.length - 1; i >= 0; i--) if (msgs[i]?.role === 'user') { idx = i; break; }
  if (idx < 0) throw bad('no user message in "messages"');
  const c = msgs[idx].content;
  const parts: Part[] = typeof c === 'string' ? [{ type: 'text', text: c }] : Array.isArray(c) ? c : [];
  const text = textParts(c).join('\n');
  const images = parts
    .filter((p) => p?.type === 'image_url')
    .map((p) => (typeof p.image_url === 'string' ? p.image_url : p.image_url?.url))
    .filter((u): u is string => typeof u === 'string');
  if (images.length !== 1) throw bad(`the last user message must hold exactly one image (image_url part), found ${images.length}`);
  const assistants = msgs.slice(0, idx).filter((m) => m?.role === 'assistant');
  const last = assistants.at(-1)?.content;
  const previousReply = typeof last === 'string' ? last : Array.isArray(last) ? last.filter((p) => p?.type === 'text').map((p) => p.text ?? '').join('') : undefined;
  return { text, imageUrl: images[0], priorAssistant: assistants.length, ...(previousReply !== undefined ? { previousReply } : {}) };
}

function headerInt(c: Context, name: string): number | undefined {
  const v = c.req.header(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

/** The x-askfirst-history header (already URL-decoded): [view, reply] pairs → history turns. */
export function historyHeader(v: string | undefined): Observation['history'] | undefined {
  if (v === undefined) return undefined;
  let pairs: unknown;
  try {
    pairs = JSON.parse(v);
  } catch {
    pairs = null;
  }
  if (!Array.isArray(pairs) || !pairs.every((p) => Array.isArray(p) && p.length === 2 && Number.isInteger(p[0]) && typeof p[1] === 'string')) {
    throw new InputError(`the ${EPISODE_HEADERS.history} header must be a URL-encoded JSON array of [view, reply] pairs, e.g. [[0,"B. Wait."]]; got ${JSON.stringify(v.slice(0, 60))}`);
  }
  return (pairs as [number, string][]).map(([view, reply]) => ({ view, reply, action: { type: 'unparseable' as const } }));
}

/** Build the policy's observation from a request (prompt template parsed back into options). */
export function observationFrom(c: Context, text: string, image: RGBImage, priorAssistant: number, conversationReply?: string): Observation {
  const parsed = parseMcqaPrompt(text);
  const dec = (v: string | undefined) => {
    if (v === undefined) return undefined;
    try {
      return decodeURIComponent(v);
    } catch {
      throw new InputError(`an x-askfirst-* header is not URL-encoded (${JSON.stringify(v.slice(0, 40))}); encode it with encodeURIComponent`);
    }
  };
  const turn = headerInt(c, EPISODE_HEADERS.turn) ?? priorAssistant;
  const options = parsed?.options ?? [];
  // Without the header, the last four options are the categories (ProactiveBench shows four; interventions come first).
  const nInt = headerInt(c, EPISODE_HEADERS.interventions) ?? Math.max(0, options.length - DEFAULT_CATEGORIES);
  const history = historyHeader(dec(c.req.header(EPISODE_HEADERS.history)));
  return {
    episodeId: dec(c.req.header(EPISODE_HEADERS.episode)) ?? `anon-${createHash('sha256').update(text).digest('hex').slice(0, 12)}`,
    kind: dec(c.req.header(EPISODE_HEADERS.kind)) ?? 'unknown',
    turn,
    view: headerInt(c, EPISODE_HEADERS.view) ?? turn,
    question: parsed?.question ?? text,
    options,
    numInterventions: Math.min(Math.max(0, nInt), options.length),
    prompt: text,
    // replies and views of earlier turns (their parse is not known here): enough for the built-in
    // model; without the history header, only the previous reply (view unknown)
    history: history ?? (conversationReply === undefined ? [] : [{ view: -1, reply: conversationReply, action: { type: 'unparseable' } }]),
    image,
  };
}

/** OpenAI's `stop`: a string or a list of up to 4 strings (absent or null: none); anything else is a 400 naming it. */
export function stopParam(body: Record<string, unknown>): string[] {
  const v = body.stop;
  if (v === undefined || v === null) return [];
  const list: unknown = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length > 4 || !list.every((x) => typeof x === 'string')) {
    throw new ParamError('BAD_INPUT', 'stop', `"stop" must be a string or a list of up to 4 strings; got ${JSON.stringify(v).slice(0, 80)}`);
  }
  return (list as string[]).filter((x) => x !== '');
}

/**
 * OpenAI's `response_format`: only `{"type": "text"}` (or none) can be honoured, since a reply is an
 * option's letter or text; JSON modes are a 400 naming the field rather than a reply the client cannot parse.
 */
export function checkResponseFormat(body: Record<string, unknown>): void {
  const v = body.response_format;
  if (v === undefined || v === null) return;
  const type = typeof v === 'object' && !Array.isArray(v) ? (v as { type?: unknown }).type : undefined;
  if (type === 'text') return;
  throw new ParamError(
    'BAD_INPUT',
    'response_format',
    `"response_format" ${JSON.stringify(type ?? v).slice(0, 80)} cannot be honoured: this server replies with an option's letter or text, never JSON; leave it out or send {"type": "text"}`,
  );
}

/**
 * vLLM's `echo` and OpenAI's `modalities` ask for a reply this server cannot give, so each is a 400 naming the field
 * rather than a reply otherwise than asked (before, both were ignored): `echo: true` asks for the last message put
 * before the reply, and a reply here is the chosen option alone; `modalities` other than `["text"]` (OpenAI's
 * `["text", "audio"]`) asks for audio, and replies are text only. `echo: false`, `["text"]` and null are answered.
 */
export function checkTextReply(body: Record<string, unknown>): void {
  const echo = body.echo;
  if (echo !== undefined && echo !== null && typeof echo !== 'boolean') throw new ParamError('BAD_INPUT', 'echo', `"echo" must be true or false; got ${JSON.stringify(echo).slice(0, 40)}`);
  if (echo === true) {
    throw new ParamError('BAD_INPUT', 'echo', `"echo": true cannot be honoured: a reply here is the chosen option alone, never the last message put before it; leave echo out or send false`);
  }
  const m = body.modalities;
  if (m === undefined || m === null) return;
  if (!Array.isArray(m) || !m.every((x) => typeof x === 'string')) {
    throw new ParamError('BAD_INPUT', 'modalities', `"modalities" must be a list of output types such as ["text"]; got ${JSON.stringify(m).slice(0, 40)}`);
  }
  const other = m.filter((x) => x !== 'text');
  if (other.length) {
    throw new ParamError('BAD_INPUT', 'modalities', `"modalities" ${JSON.stringify(other).slice(0, 40)} cannot be honoured: this server replies with text only; send ["text"] or leave modalities out`);
  }
}

/**
 * OpenAI's `logprobs` (true or false) and `top_logprobs` (0–20, checked by the caller), which is read only with
 * `"logprobs": true`: OpenAI and vLLM refuse it alone, rather than answer without the scores it asks for; a
 * 400 naming the field here too. Returns whether scores are asked for.
 */
export function logprobsParam(body: Record<string, unknown>): boolean {
  const v = body.logprobs;
  if (v !== undefined && v !== null && typeof v !== 'boolean') {
    throw new ParamError('BAD_INPUT', 'logprobs', `"logprobs" must be true or false; got ${JSON.stringify(v).slice(0, 40)} (how many alternatives: "top_logprobs")`);
  }
  if (v !== true && body.top_logprobs !== undefined && body.top_logprobs !== null) {
    throw new ParamError('BAD_INPUT', 'top_logprobs', '"top_logprobs" is read only with "logprobs": true; add that, or leave top_logprobs out');
  }
  return v === true;
}

/**
 * OpenAI's `stream` and `stream_options`: stream is true or false (a string such as "true" is a 400, as vLLM answers,
 * rather than a reply that does not stream); stream_options is read only with `"stream": true` (vLLM and OpenAI refuse
 * it otherwise, rather than answer without the usage chunk it asks for) and is an object; each is a 400 naming it.
 * Returns whether to stream, and whether with the usage chunk (`include_usage`).
 */
export function streamParams(body: Record<string, unknown>): { stream: boolean; withUsage: boolean } {
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw new ParamError('BAD_INPUT', 'stream', `"stream" must be true or false; got ${JSON.stringify(body.stream).slice(0, 40)}`);
  }
  const v = body.stream_options;
  if (v === undefined || v === null) return { stream: body.stream === true, withUsage: false };
  if (body.stream !== true) throw new ParamError('BAD_INPUT', 'stream_options', '"stream_options" is read only with "stream": true; add that, or leave stream_options out');
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new ParamError('BAD_INPUT', 'stream_options', `"stream_options" must be an object such as {"include_usage": true}; got ${JSON.stringify(v).slice(0, 40)}`);
  }
  return { stream: true, withUsage: (v as { include_usage?: unknown }).include_usage === true };
}

/**
 * OpenAI's `tool_choice` (and the older `function_call`): a reply here is an option's letter or text,
 * never a tool call. "none" and "auto" are answered (under "auto", OpenAI's default when `tools` are
 * sent, a text reply is a valid answer); "required" or a named function demand a tool call, so they are
 * a 400 naming the field rather than a text reply the client does not expect.
 */
export function checkToolChoice(body: Record<string, unknown>): void {
  for (const name of ['tool_choice', 'function_call']) {
    const v = body[name];
    if (v === undefined || v === null || v === 'none' || v === 'auto') continue;
    throw new ParamError(
      'BAD_INPUT',
      name,
      `"${name}" ${JSON.stringify(v).slice(0, 80)} cannot be honoured: this server replies with an option's letter or text, never a tool call; leave it out or send "auto" or "none"`,
    );
  }
}

/**
 * What the client of a proxy (`serve --policy openai:…`) is told of an upstream failure: a 502 with the upstream's status
 * and its own words only, as vLLM's and OpenAI-compatible gateways answer; the whole error, with the upstream URL
 * (an address behind this server the client need not know) and the advice meant for whoever runs this server (its
 * --retries, --timeout, API key variable), goes to the server's log. Before, the client read it all.
 */
export function upstreamFailure(e: UpstreamError, log: (msg: string) => void): AskfirstError {
  log(`askfirst server: UPSTREAM: ${e.message}`);
  // The request itself refused (bad, too long for the context, too large): the client's to fix, and the same request
  // would be refused again — as a 502 (a 5xx) a client such as askfirst eval retried it. An upstream 401/403/404 is this
  // server's configuration (its key, its model name), not the client's: that stays a 502.
  // A refusal of the logprobs the client asked for (forwarded as asked, never dropped: agents/http/client.ts
  // `logprobsRequired`) is the client's to fix by asking without them: named as the field at fault.
  if ((e.status === 400 || e.status === 422) && (e.param === 'logprobs' || e.param === 'top_logprobs')) {
    return new ParamError('BAD_INPUT', e.param, `the upstream model server refused "${e.param}" (HTTP ${e.status})${e.said ? `: ${e.said}` : ''}; it gives no log-probabilities here: ask without "logprobs" and "top_logprobs"`);
  }
  if (e.status === 400 || e.status === 422 || e.status === 413)
    return new AskfirstError(e.status === 413 ? 'TOO_LARGE' : 'BAD_INPUT', `the upstream model server refused this request (HTTP ${e.status})${e.said ? `: ${e.said}` : ''}`);
  const answered = e.status !== undefined && e.status >= 400 ? ` answered HTTP ${e.status}${e.said ? `: ${e.said}` : ''}` : ' gave no usable reply (this server\'s log says why)';
  return new AskfirstError('UPSTREAM', `the upstream model server${answered}`);
}

/**
 * A choice's `logprobs` (asked for): its backend's own token logprobs as it sent them (a proxy's upstream's,
 * PolicyReply.tokenLogprobs: the faithful answer, which askfirst's client reads as it reads the upstream's, so eval
 * through the proxy scores as eval talking to the upstream), each token's alternatives cut to the request's
 * `top_logprobs` (`topAsked`) — when the reply was cut here, only the tokens up to where the content sent ends
 * (`tokensUpTo`; a token it ends inside kept, as vLLM keeps the token a stop string ends in), or, when the tokens do
 * not spell the content, none of them; else the letter scores of a policy that scores options (letterLogprobs); else
 * null: a policy that does not score options (oracle, scripted, …) has no probabilities to give, and a made-up 0
 * would read as a model sure of its answer.
 */
function servedLogprobs(r: PolicyReply, content: string, cutHere: boolean, top: number, topAsked: number | undefined) {
  const tokens = r.tokenLogprobs && (cutHere ? tokensUpTo(r.tokenLogprobs, r.written ?? r.reply, content) : r.tokenLogprobs);
  if (tokens) {
    const cutTop = (t: TokenLogprob) => (topAsked !== undefined && t.top_logprobs && t.top_logprobs.length > topAsked ? { ...t, top_logprobs: t.top_logprobs.slice(0, topAsked) } : t);
    return { content: tokens.map(cutTop) };
  }
  // at the answer as askfirst reads it in the content sent (a proxy's `So it is $\boxed{B}$.`: B), not its first word
  return r.optionLogProbs !== undefined ? letterLogprobs(stripThinking(content), r.optionLogProbs, top) : null;
}

/**
 * The tokens of a reply cut here (`written`, the content as its backend sent it, cut to `sent`, a prefix of it) up to
 * where `sent` ends: the tokens' text holds `written` last (after the reasoning's tokens, which vLLM's logprobs cover
 * too), so `sent` ends at its last occurrence's start plus `sent`'s length; every token that starts before that is
 * kept. Undefined when the tokens' text does not hold `written` (a server whose logprobs do not spell its content).
 */
export function tokensUpTo(tokens: readonly TokenLogprob[], written: string, sent: string): TokenLogprob[] | undefined {
  const start = tokens.map((t) => t.token).join('').lastIndexOf(written);
  if (start < 0) return undefined;
  const end = start + sent.length;
  const kept: TokenLogprob[] = [];
  for (let i = 0, at = 0; i < tokens.length && at < end; at += tokens[i].token.length, i++) kept.push(tokens[i]);
  return kept;
}

/** OpenAI-style logprobs for the reply's first token: one alternative per option letter. */
function letterLogprobs(reply: string, scores: readonly number[], top: number) {
  const alts = scores.map((logprob, i) => ({ token: optionLetter(i), logprob, bytes: null })).sort((a, b) => b.logprob - a.logprob);
  const first = reply.trim().split(/[\s.]/)[0] ?? '';
  const chosen = alts.find((a) => a.token === first);
  return { content: [{ token: chosen ? chosen.token : first, logprob: chosen ? chosen.logprob : 0, bytes: null, top_logprobs: alts.slice(0, top) }] };
}

export interface ServeOptions {
  policy: Policy;
  /**
   * The id listed by /v1/models, and the only "model" requests may name (default: the policy's name as `askfirst serve`
   * serves a spec, registry.ts servedModelId: a built-in model's folder cut to its last name, a proxy's upstream URL left out).
   */
  modelName?: string;
  /** Largest batch handed to the policy at once. */
  maxBatch?: number;
  /** Seeds the stream that gives a sampled request without a `seed` its own (`serve --seed`; default 0): sampling.ts. */
  seed?: number;
  /** The fingerprint of the data the policy answers from (`serve --data` for the oracle: suite/fingerprint.ts), covered by `system_fingerprint`. */
  dataFingerprint?: string;
  /** Where 5xx errors are logged (default console.error). */
  log?: (msg: string) => void;
  /** When set, every route but /healthz and /health wants `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Largest request body in bytes (default DEFAULT_MAX_BODY_BYTES). */
  maxBodyBytes?: number;
  /** Most requests handled at once; more are refused with 429 (default DEFAULT_MAX_CONCURRENT). */
  maxConcurrent?: number;
  /** Most entries in "messages" (default DEFAULT_MAX_MESSAGES); more are a 400 naming the field. */
  maxMessages?: number;
  /**
   * Which Host headers to answer (../host-check.ts: a loopback server's own names, against DNS
   * rebinding); omitted = any. Another Host is a 403 in OpenAI's error shape, on every route.
   */
  hostAllowed?: HostTest;
}

const sha = (s: string) => createHash('sha256').update(s).digest();

/** 401 unless the request carries the key as a bearer token (compared in constant time). */
function requireKey(key: string): MiddlewareHandler {
  const want = sha(key);
  return async (c, next) => {
    const m = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '');
    if (!m || !timingSafeEqual(sha(m[1].trim()), want)) {
      const { status, body } = openaiErrorResponse(new AskfirstError('UNAUTHORIZED', 'missing or wrong API key: send "Authorization: Bearer <key>" (the key the server was started with)'));
      return c.json(body, status as 401, { 'www-authenticate': 'Bearer' });
    }
    await next();
  };
}

export function createOpenAIApp(o: ServeOptions): Hono {
  const app = new Hono();
  const log = o.log ?? console.error;
  const model = o.modelName ?? servedModelId(o.policy.name); // not the name itself: it may hold a path or an upstream's URL
  const batcher = new MicroBatcher(o.policy, o.maxBatch ?? 64, model);
  const unseeded = unseededStream(o.seed ?? 0);
  const fingerprint = systemFingerprint(o.policy, o.seed ?? 0, { data: o.dataFingerprint }); // in every reply and chunk (fingerprint.ts)
  const created = Math.floor(Date.now() / 1000);
  let served = 0;
  let errors = 0;
  let cancelled = 0; // requests whose client left before the reply (their work stopped)

  // Statuses come from the one map shared with the workbench (../errors.ts); the body is OpenAI's. A proxy's upstream
  // failure is logged whole and told to the client without the upstream's address (upstreamFailure).
  const fail = (c: Context, e: unknown) => {
    errors++;
    const { status, body } = e instanceof UpstreamError ? openaiErrorResponse(upstreamFailure(e, log), () => undefined) : openaiErrorResponse(e, o.log);
    return c.json(body, status as 400);
  };

  app.use('*', hostCheck(o.hostAllowed, 'server', (c, message) => fail(c, new AskfirstError('FORBIDDEN', message)), true));
  // /health is vLLM's name for it (what a client or probe written for vLLM asks); both are open without the key, as vLLM's is
  const health = (c: Context) => c.json({ ok: true, model, served, errors, cancelled, batches: batcher.batches, observations: batcher.observations });
  app.get('/healthz', health);
  app.get('/health', health);
  if (o.apiKey !== undefined) app.use('*', requireKey(o.apiKey));
  const maxConcurrent = o.maxConcurrent ?? DEFAULT_MAX_CONCURRENT;
  const maxBody = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let inFlight = 0;
  app.use('/v1/*', async (c, next) => {
    if (inFlight >= maxConcurrent) {
      errors++;
      const { status, body } = openaiErrorResponse(new AskfirstError('BUSY', `${c.req.method} ${c.req.path}: the server is handling ${maxConcurrent} requests already (its --max-concurrent); retry shortly`));
      return c.json(body, status as 429, { 'retry-after': '1' });
    }
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  });
  app.use(
    '/v1/*',
    bodySizeLimit(maxBody, "the server's --max-body-bytes", (c, message) => {
      errors++;
      const { status, body } = openaiErrorResponse(new AskfirstError('TOO_LARGE', message));
      return c.json(body, status as 413);
    }),
  );
  const modelObject = { id: model, object: 'model', created, owned_by: 'askfirst' };
  const unknownModel = (id: string) =>
    new ParamError('NOT_FOUND', 'model', `The model ${JSON.stringify(id)} does not exist: this server serves ${JSON.stringify(model)} (GET /v1/models; askfirst serve --model-name sets it)`);
  app.get('/v1/models', (c) => c.json({ object: 'list', data: [modelObject] }));
  app.get('/v1/models/:id{.+}', (c) => (c.req.param('id') === model ? c.json(modelObject) : fail(c, unknownModel(c.req.param('id')))));

  app.post('/v1/chat/completions', async (c) => {
    try {
      let body: Record<string, unknown>;
      try {
        body = (await c.req.json()) as Record<string, unknown>;
      } catch {
        throw new InputError('request body is not JSON');
      }
      // Before anything walks it: from ~5,000 levels an error echoing a value overflowed the stack (a 500, ../json-depth.ts).
      if (nestedDeeper(body)) throw new InputError(`request body is ${TOO_DEEP}`);
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new InputError('request body must be a JSON object');
      // As OpenAI (and vLLM, Ollama): the model is required and must be the one served, so a client
      // pointed at the wrong server is told so instead of being answered by another policy.
      if (typeof body.model !== 'string' || !body.model) throw new ParamError('BAD_INPUT', 'model', `"model" is required: the id this server serves, ${JSON.stringify(model)} (GET /v1/models)`);
      if (body.model !== model) throw unknownModel(body.model);
      // Before any message is read: 215 000 tiny messages in an 8 MiB body took 0.76 s of the one thread to answer (0.32 s to refuse, mostly parsing).
      const maxMessages = o.maxMessages ?? DEFAULT_MAX_MESSAGES;
      if (Array.isArray(body.messages) && body.messages.length > maxMessages) {
        throw new ParamError('BAD_INPUT', 'messages', `"messages" holds ${body.messages.length} messages, over the limit of ${maxMessages} (the server's --max-messages); send the conversation's last turns only`);
      }
      const { text, imageUrl, priorAssistant, previousReply } = lastUserTurn(body.messages);
      const obs = observationFrom(c, text, decodeDataUrl(imageUrl), priorAssistant, previousReply);
      if (!obs.options.length) {
        throw new ParamError(
          'BAD_INPUT',
          'messages',
          'the last user message is not a multiple-choice prompt, and this server answers only those: ProactiveBench\'s template, "QUESTION Choose from the following options. Options:\\nA. OPTION\\nB. OPTION\\n" (one line per option, lettered A, B, C… in order, each ending in a newline), optionally followed by "Please only return one of the options without any other words." with nothing after it',
        );
      }
      // OpenAI's ranges; of the two token limits max_completion_tokens (OpenAI's newer name) wins, as in vLLM.
      const sampling = requestSampling(body); // temperature, top_p, seed (sampling.ts)
      const n = numberParam(body, 'n', 1, 128, true) ?? 1;
      checkChoiceSeeds(sampling.seed, n);
      const maxTokens = numberParam(body, 'max_tokens', 1, Number.MAX_SAFE_INTEGER, true);
      const limit = numberParam(body, 'max_completion_tokens', 1, Number.MAX_SAFE_INTEGER, true) ?? maxTokens;
      const topAsked = numberParam(body, 'top_logprobs', 0, 20, true);
      const top = topAsked ?? obs.options.length;
      const wantLogprobs = logprobsParam(body);
      const stops = stopParam(body);
      checkResponseFormat(body);
      checkToolChoice(body);
      checkTextReply(body);
      const { stream, withUsage } = streamParams(body);
      // A greedy request reads no seed, as vLLM's and OpenAI's do not (the random baseline answers it from its own seed,
      // `serve --seed`, as in process; before, a request's seed changed its temperature-0 reply). A sampled request
      // without one draws one only now that it is accepted, so a refused one takes none.
      const seed = sampling.act.sample ? (sampling.seed ?? unseeded()) : undefined;
      let replies: PolicyReply[];
      try {
        // n choices: n observations in the same batch, each its own stream (sampled ones are drawn independently,
        // greedy ones agree, as OpenAI's do at temperature 0): choice i is seeded seed + i, as vLLM seeds a request's
        // n choices; without a seed (greedy), the policy's own stream's i-th draw (`Observation.draw`)
        const choice = (i: number): Observation => (seed !== undefined ? { ...obs, seed: seed + i } : i ? { ...obs, draw: i } : obs);
        // the request's signal aborts when its client closes the connection unanswered (@hono/node-server): its work stops
        // the client's token limit and stop sequences: a proxy forwards them upstream (ActOptions.limits)
        const limits = { ...(limit !== undefined ? { maxTokens: limit } : {}), ...(stops.length ? { stop: stops } : {}) };
        // and what it asked of logprobs, as it asked it (a proxy's upstream is asked the same: ActOptions.logprobs)
        const logprobs = { logprobs: wantLogprobs, ...(topAsked !== undefined ? { topLogprobs: topAsked } : {}) };
        replies = await batcher.submitAll(Array.from({ length: n }, (_, i) => choice(i)), { ...sampling.act, signal: c.req.raw.signal, limits, logprobs });
        // its client left while the batch it shared was computed: no one to answer, counted as cancelled, not served
        if (c.req.raw.signal.aborted) throw new ClientGone();
      } catch (e) {
        // A policy that needs the episode (the oracle, scripted replies) cannot know it without the headers. Named by the
        // id it is served as, not its name: that may hold a server's path (builtin:/srv/…) or an upstream's URL.
        if (e instanceof InputError && c.req.header(EPISODE_HEADERS.episode) === undefined) {
          throw new InputError(`no ${EPISODE_HEADERS.episode} header, and ${model} needs the episode: send askfirst's headers (askfirst eval --askfirst-headers). ${e.message}`, { cause: e });
        }
        throw e;
      }
      served++;
      // each reply ends at the stop sequence it completes first or the token limit, whichever comes first (finish.ts)
      // a reply as the model wrote it (scripted:FILE's with its reasoning block, a proxy's upstream's content), not as the policy reads it
      // a reply its backend already ended at the token limit (a proxy's upstream that honoured it) is not cut again by words (finish.ts `cutLimit`)
      const finished = replies.map((r) => finishReply(r.written ?? r.reply, stops, cutLimit(limit, r)));
      // cut here: the policy's reply ran past the request's stop or limit (a proxy's upstream that ignored them)
      const cutHere = replies.map((r, i) => finished[i].content !== (r.written ?? r.reply));
      const id = `chatcmpl-${createHash('sha256').update(`${served}:${text}`).digest('hex').slice(0, 24)}`;
      const choices = replies.map((r, index) => ({
        index,
        // the reasoning an upstream's model wrote before it (a proxy's), under both names reasoning parsers send it by:
        // DeepSeek's reasoning_content (vLLM's until 0.17), and reasoning (vLLM's since, OpenRouter's, OpenAI's guidance)
        // content null when the model wrote reasoning and nothing after it, as vLLM's reasoning parsers send it
        // (`return reasoning, content or None`; a reply cut off in its reasoning too); the OpenAI SDK types allow it
        message: {
          role: 'assistant',
          content: finished[index].content === '' && r.reasoning !== undefined ? null : finished[index].content,
          ...(r.reasoning !== undefined ? { reasoning_content: r.reasoning, reasoning: r.reasoning } : {}),
        },
        logprobs: wantLogprobs ? servedLogprobs(r, finished[index].content, cutHere[index], top, topAsked) : null,
        finish_reason: servedFinish(finished[index], cutHere[index], r.cause),
      }));
      // a documented word count, or a proxy's upstream's own usage when it sent one, a reply cut here counted by its upstream's tokens up to the cut, else its words sent (usage.ts)
      // a choice cut here counted by its upstream's tokens up to the cut when its logprobs spell them, else by words
      const cutTokens = replies.map((r, i) => (cutHere[i] && r.tokenLogprobs ? tokensUpTo(r.tokenLogprobs, r.written ?? r.reply, finished[i].content)?.length : undefined));
      const usage = servedUsage(body.messages, finished.map((f) => f.content), replies.map((r) => r.usage), cutHere, cutTokens);
      // a proxy's reply carries the upstream's fingerprints too (its n choices' upstream replies), when the upstream sent any
      const upstream = replies.flatMap((r) => (r.fingerprint ? [r.fingerprint] : []));
      const system_fingerprint = upstream.length ? systemFingerprint(o.policy, o.seed ?? 0, { data: o.dataFingerprint, upstream }) : fingerprint;
      if (stream) {
        // OpenAI's stream_options.include_usage: every chunk carries "usage": null, and one more
        // chunk with no choices and the usage comes before [DONE].
        const head = { id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, system_fingerprint };
        // a choice with reasoning streams it first, in its own delta (delta.reasoning_content and delta.reasoning), then its content
        const chunks: object[] = choices.flatMap(({ index, message: { reasoning_content, reasoning, ...message }, logprobs, finish_reason }) => [
          ...(reasoning !== undefined ? [{ index, delta: { role: message.role, reasoning_content, reasoning }, logprobs: null, finish_reason: null }] : []),
          // no content after the reasoning (null): a delta without it, as OpenAI's last chunk ({})
          { index, delta: reasoning === undefined ? message : message.content === null ? {} : { content: message.content }, logprobs, finish_reason },
        ]).map((choice) => ({ ...head, choices: [choice], ...(withUsage ? { usage: null } : {}) }));
        if (withUsage) chunks.push({ ...head, choices: [], usage });
        return c.body(`${chunks.map((k) => `data: ${JSON.stringify(k)}\n\n`).join('')}data: [DONE]\n\n`, 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      }
      return c.json({ id, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model, system_fingerprint, choices, usage });
    } catch (e) {
      // its client has gone (its work was stopped): nothing to answer, nor an error of the server's to log
      if (c.req.raw.signal.aborted) {
        cancelled++;
        return c.body(null, 499 as 200); // nginx's "client closed request"; never sent
      }
      return fail(c, e);
    }
  });

  app.onError((e, c) => fail(c, e));
  app.notFound((c) => {
    // A known route asked with another method: 405 with Allow, as OpenAI ("Invalid method for URL") and HTTP say.
    const p = c.req.path;
    const allow = allowedMethods(app, p);
    if (allow) {
      const body: OpenAIErrorBody = { error: { message: `Invalid method for URL (${c.req.method} ${p}): use ${allow.split(',')[0]}`, type: 'invalid_request_error', param: null, code: null } };
      return c.json(body, 405, { allow });
    }
    const { status, body } = openaiErrorResponse(new NotFoundError(`no route ${c.req.method} ${c.req.path}; try POST /v1/chat/completions, GET /v1/models, GET /healthz (or /health)`));
    return c.json(body, status as 404);
  });
  return app;
}

export interface RunningServer {
  /** Base URL including /v1, e.g. http://127.0.0.1:8080/v1 */
  url: string;
  port: number;
  /** End every connection at once, requests in flight included. */
  close(): Promise<void>;
  /** Stop as `askfirst serve` does at Ctrl-C: no new connection, the requests in flight answered, then closed (../listen.ts `drain`). */
  stop(): Promise<void>;
  /** Requests received and not yet answered. */
  inFlight(): number;
}

/** What a server on a non-loopback host warns about once at start (plain HTTP). */
export const SERVE_PLAIN_HTTP = 'the API key (when one is set), prompts and images';

/**
 * Start the endpoint; port 0 picks a free one (tests). On a loopback host only its own names and
 * `allowHosts` are answered (DNS rebinding); on any other, `warn` says once that it is plain HTTP.
 */
export async function startOpenAIServer(
  o: ServeOptions & StartOptions,
): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  let boundPort = o.port ?? 0;
  const app = createOpenAIApp({ ...o, hostAllowed: o.hostAllowed ?? hostGuard(host, () => boundPort, o.allowHosts) });
  // a slow or malformed request's 408/400/431 in OpenAI's error shape, not Node's empty one
  const warn = o.warn ?? ((m: string) => console.error(`askfirst serve: warning: ${m}`));
  const l = await listen({ fetch: app.fetch, host, port: boundPort, slowClients: o.slowClients, warn, clientErrorBody: (message) => ({ error: { message, type: 'invalid_request_error', param: null, code: null } }) });
  boundPort = l.port; // before any request can name it
  warnIfPlainHttp(host, SERVE_PLAIN_HTTP, warn);
  return { url: `${baseUrl(host, l.port)}/v1`, port: l.port, close: l.close, stop: l.drain, inFlight: l.inFlight };
}
