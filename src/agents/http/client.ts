/**
 * A robust client for OpenAI-compatible `POST …/chat/completions` (Ollama, vLLM, llama.cpp's
 * server, LM Studio, hosted APIs): a concurrency limit, a per-attempt timeout
 * (AbortController), retries with exponential backoff and jitter (half fixed, half random) on 408 / 409 / 429 (not
 * OpenAI's insufficient_quota, which no wait cures) / 5xx
 * (the OpenAI SDK's statuses; a server's `x-should-retry: true|false` overrides) / network
 * errors / timeouts / malformed bodies, honouring `retry-after-ms` and `Retry-After`, an optional response cache,
 * and counters for the run summary. Requests go through node:http(s) with a keep-alive agent
 * (about a quarter of fetch's CPU cost per request, which matters at high concurrency). The API key is sent in a header only (a
 * bearer `Authorization`, or Azure OpenAI's `api-key`); it never appears in errors, counters, cache keys or cache entries.
 * When to retry and how long to wait is `retry.ts`; what a refusal blames and what to change, `rejection.ts`.
 * A run that has failed on another request halts the rest (`halt`): no new attempt or retry, a backoff wait cut; an
 * attempt on the wire ends and is read.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setMaxListeners } from 'node:events';
import { AskfirstError, describeError, UpstreamError } from '../../util/errors.js';
import { ResponseCache, requestKey } from './cache.js';
import { paramAdvice, parseErrorBody, rejectedParam, statusAdvice } from './rejection.js';
import { MAX_RETRY_AFTER_MS, RequestHalted, Retryable, abortError, type RetryReason, backoffDelay, headerValue, retryAfterOf, shouldRetry, sleep } from './retry.js';
import { Semaphore } from '../../util/semaphore.js';
import { answerSpan, opensAnswerWrapper, opensReasoning, opensUnclosedReasoning, reasoningEnd, stripThinking } from '../../episode/thinking.js';
import type { ReplyCause } from '../../episode/types.js';
import type { TokenCounts, TokenLogprob as ChatTokenLogprob } from '../policy.js';

/** One alternative at one token position. */
export interface TopLogprob {
  token: string;
  logprob: number;
}

/** What we keep of a completion: the text and the alternatives at the first token. */
export interface ChatResult {
  text: string;
  /** Alternatives at the first generated token (when logprobs were returned). */
  firstTokenTop?: TopLogprob[];
  finishReason?: string;
  /** True when the message carried reasoning text (`reasoning_content`, or `reasoning`: vLLM's since 0.17, Ollama's). */
  reasoning?: boolean;
  /** That reasoning text, as the server sent it (the first of `reasoning_content`, `reasoning` that has any). */
  reasoningText?: string;
  /** The server's `system_fingerprint` (its backend's configuration, OpenAI's), when it sent one (vLLM sends none). */
  systemFingerprint?: string;
  /** The server's `usage` (its tokenizer's tokens; vLLM counts reasoning in completion_tokens), when it sent one whole. */
  usage?: TokenUsage;
  /**
   * The server's chat `logprobs.content` as it sent it, when every entry has its token and logprob (what `askfirst serve`
   * as a proxy passes on). Kept in the response cache only when the request asks for it (`complete`'s `keepTokens`):
   * it grows with the reply (a reasoning model's thousands of tokens), and only serve reads it.
   */
  tokenLogprobs?: ChatTokenLogprob[];
}

/** A cache entry: the result, and whether its tokenLogprobs were kept (an entry written without them cannot say it had none). */
type CachedResult = ChatResult & { tokensKept?: true };

/** A chat `logprobs` object's `content`, when it is a list of tokens each with its text and logprob; else undefined. */
export function tokenLogprobsOf(logprobs: unknown): ChatTokenLogprob[] | undefined {
  const content = (logprobs as { content?: unknown } | null | undefined)?.content;
  if (!Array.isArray(content) || !content.length) return undefined;
  const whole = content.every((t: TokenLogprob | null) => t !== null && typeof t === 'object' && typeof t.token === 'string' && typeof t.logprob === 'number');
  return whole ? (content as ChatTokenLogprob[]) : undefined;
}

/** A server's own count of a completion's tokens (OpenAI's `usage`), with its breakdowns when it sent them. */
export type TokenUsage = TokenCounts;

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** The count fields of a usage breakdown (`prompt_tokens_details`, `completion_tokens_details`), when it has any; else undefined. */
function detailsOf(v: unknown): Record<string, number> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const kept = Object.entries(v as Record<string, unknown>).filter((e): e is [string, number] => isCount(e[1]));
  return kept.length ? Object.fromEntries(kept) : undefined;
}

/**
 * A body's `usage`, when its prompt_tokens and completion_tokens are counts (non-negative integers); else undefined. Its
 * breakdowns (`prompt_tokens_details`: cached_tokens, …; `completion_tokens_details`: reasoning_tokens, …) are kept, their
 * count fields only (vLLM sends `prompt_tokens_details: null` unless --enable-prompt-tokens-details).
 */
export function usageOfBody(usage: unknown): TokenUsage | undefined {
  const u = usage as { prompt_tokens?: unknown; completion_tokens?: unknown; prompt_tokens_details?: unknown; completion_tokens_details?: unknown } | null | undefined;
  if (!u || typeof u !== 'object' || !isCount(u.prompt_tokens) || !isCount(u.completion_tokens)) return undefined;
  const promptDetails = detailsOf(u.prompt_tokens_details);
  const completionDetails = detailsOf(u.completion_tokens_details);
  return { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens, ...(promptDetails ? { promptDetails } : {}), ...(completionDetails ? { completionDetails } : {}) };
}

/**
 * Why a reply has no usable text, as the server said (episode/types.ts ReplyCause): a content filter stopped it, it was
 * cut off at the token limit, or its answer (`answer`: the text with any leading reasoning block removed, episode/thinking.ts)
 * is empty while it carried reasoning, or is a reasoning block never closed, or it is empty without reasoning (`empty`: a reply that
 * ended normally, stop, with no text, was counted unparseable as if it had named no option). Undefined for a reply
 * that ended normally with an answer, whatever the answer says.
 */
export function replyCause(res: ChatResult, answer: string): ReplyCause | undefined {
  if (res.finishReason === 'content_filter') return 'content-filter';
  if (res.finishReason === 'length') return 'length';
  if (opensUnclosedReasoning(answer) || (answer.trim() === '' && (res.reasoning === true || reasoningEnd(res.text) > 0))) return 'reasoning-only';
  if (answer.trim() === '') return 'empty';
  return undefined;
}

export interface ChatClientOptions {
  baseUrl: string;
  apiKey?: string;
  /** How the key is sent: `Authorization: Bearer KEY` (default) or Azure OpenAI's `api-key: KEY`. */
  apiKeyHeader?: 'authorization' | 'api-key';
  /** The variable the key was read from (named in the advice of a 401 sent without a key). */
  apiKeyEnv?: string;
  /** What the options naming the key begin with after "--" in that advice: "" (eval's --api-key-env), "upstream-" (serve's). */
  keyFlagPrefix?: string;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
  cacheDir?: string;
  /** The most bytes the cache keeps (cache.ts; default DEFAULT_CACHE_MAX_BYTES): past it the entries used longest ago go. */
  cacheMaxBytes?: number;
  /**
   * Where the client says it is waiting long before a retry (stderr in the CLI): a server's Retry-After of minutes, a
   * backoff near its cap, or an attempt that waited out a long --timeout (a server that never answers) otherwise reads
   * as a hung run. At most one line a minute; none when absent.
   */
  notice?: (line: string) => void;
}

/** A retry that holds the run this long or longer (the failed attempt plus the wait before the next) is announced through `ChatClientOptions.notice`. */
export const ANNOUNCE_WAIT_MS = 10_000;
/** At most one announcement in this long (many requests in flight hit the same rate limit at once). */
export const ANNOUNCE_EVERY_MS = 60_000;

/**
 * `…/chat/completions` under a base URL, its query kept after the path (Azure OpenAI's base URLs
 * carry `?api-version=…`): `https://h/openai/deployments/d?api-version=v` → `https://h/openai/deployments/d/chat/completions?api-version=v`.
 */
export function chatCompletionsUrl(baseUrl: string): string {
  const u = new URL(baseUrl);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/chat/completions`;
  return u.toString();
}

export type ClientStats = {
  /** HTTP attempts made. */
  requests: number;
  /** Retries sent, and why the attempt before failed (a backoff cut short by a halt or an interrupt sends none). */
  retries: number;
  retry429: number;
  retry5xx: number;
  retryTimeout: number;
  retryNetwork: number;
  retryMalformed: number;
  /** 409 (a lock timeout, OpenAI says) or any status the server marked `x-should-retry: true`. */
  retryOther: number;
  /** Requests that failed after all retries (or with a non-retryable status). */
  failures: number;
  /** Replies served from the cache, and cache lookups that missed. */
  cacheHits: number;
  cacheMisses: number;
  /** Requests resent without logprobs because the server refused them. */
  logprobsFallbacks: number;
  /** Replies cut off at the token limit (finish_reason "length"): raise --max-tokens. */
  truncated: number;
  /** Replies a content filter stopped (finish_reason "content_filter"). */
  contentFiltered: number;
  /** Replies whose text was all reasoning (reasoning_content / reasoning, or a think block), the answer empty. */
  reasoningOnly: number;
  /** Replies with no text at all that ended normally (finish_reason "stop", no reasoning). */
  empty: number;
};

/** Run signals whose listener limit was lifted (many requests wait on one run signal at once). */
const listenerLimitRaised = new WeakSet<AbortSignal>();

/** Lift a run signal's listener limit, once: every request in flight, or backing off, listens to it. */
function manyListeners(signal: AbortSignal): void {
  if (listenerLimitRaised.has(signal)) return;
  setMaxListeners(0, signal);
  listenerLimitRaised.add(signal);
}

/** What a request is sent with: the run's interrupt (`signal`, aborts an attempt on the wire too) and halt (ActOptions.halt: no new attempt or retry). */
type RequestOptions = { signal?: AbortSignal; halt?: AbortSignal; headers?: Record<string, string> };

type TokenLogprob = { token?: unknown; logprob?: unknown; top_logprobs?: unknown };

/**
 * Where the answer's first token is in a chat `logprobs.content[]`, and how many characters of that token come before the
 * answer (0 unless the answer starts inside it: `{B` of `\boxed{B}`). The answer is where `stripThinking` finds it in the
 * tokens' text (episode/thinking.ts `answerSpan`): a reasoning model's logprobs may cover its reasoning too (SGLang's and
 * vLLM's do, `<think>…</think>` markers included, while `message.content` holds the answer only), so past the tokens'
 * leading reasoning block (any family's markers, its opening in the prompt or not), then inside GLM's answer wrappers and
 * its box or a LaTeX box, also amid text ("so <|begin_of_box|>B<|end_of_box|>": the scores are B's, not "so"'s), at
 * the token that holds its first character; from there past whitespace tokens and answer wrappers' opening tokens (GLM's
 * `<answer>`, `<|begin_of_box|>`: one token each). When the message carries reasoning (`reasoning_content`, or Ollama's
 * `reasoning`) or the tokens open a block that does not close, the tokens are the answer's only if their text begins
 * with the answer; else -1 (no scores: the alternatives at the first position would be the reasoning's, not the
 * answer's). A reply whose answer is its whole text is read at its first token, whitespace or not, as always.
 */
function answerStart(content: readonly TokenLogprob[], message: Record<string, unknown> | undefined, text: string): { at: number; prefix: number } {
  const tokenText = (t: TokenLogprob) => (typeof t?.token === 'string' ? t.token : '');
  const none = { at: -1, prefix: 0 };
  const joined = content.map(tokenText).join('');
  if (reasoningEnd(joined) === 0) {
    const reasoning = [message?.reasoning_content, message?.reasoning].some((r) => typeof r === 'string' && r.trim() !== '');
    if (reasoning || opensReasoning(joined)) {
      const answer = text.trim();
      if (!answer || opensReasoning(answer) || !joined.trimStart().startsWith(answer.slice(0, 8))) return none;
    } else if (answerSpan(joined)[0] === 0) return { at: 0, prefix: 0 };
  }
  // the token holding the answer's first character, then past whitespace and wrapper openings
  const [start] = answerSpan(joined);
  for (let i = 0, from = 0; i < content.length; i++) {
    const t = tokenText(content[i]);
    if (from + t.length <= start) {
      from += t.length;
      continue;
    }
    const before = t.slice(0, start - from);
    if (before.trim() && t.slice(start - from).trim()) return { at: i, prefix: before.length };
    for (let j = t.slice(start - from).trim() ? i : i + 1; j < content.length; j++) {
      const u = tokenText(content[j]);
      if (u.trim() && !opensAnswerWrapper(u)) return { at: j, prefix: 0 };
    }
    return none;
  }
  return none;
}

/** Pull the first-token alternatives out of either logprobs shape (chat `content[]` or legacy `top_logprobs[]`). */
function firstTokenTop(choice: Record<string, unknown>, text: string): TopLogprob[] | undefined {
  const lp = choice.logprobs as Record<string, unknown> | null | undefined;
  if (!lp || typeof lp !== 'object') return undefined;
  const content = lp.content as TokenLogprob[] | undefined;
  if (Array.isArray(content) && content.length) {
    const { at, prefix } = answerStart(content, choice.message as Record<string, unknown> | undefined, text);
    if (at < 0) return undefined;
    const first = content[at];
    const tops = Array.isArray(first.top_logprobs) ? (first.top_logprobs as { token?: unknown; logprob?: unknown }[]) : [];
    let out = tops
      .filter((t) => typeof t.token === 'string' && typeof t.logprob === 'number')
      .map((t) => ({ token: t.token as string, logprob: t.logprob as number }));
    if (!out.length && typeof first.token === 'string' && typeof first.logprob === 'number') {
      out.push({ token: first.token, logprob: first.logprob });
    }
    if (prefix) {
      // the answer starts inside the token ("{B"): the alternatives that share what comes before it, read without it
      const head = (first.token as string).slice(0, prefix);
      out = out.filter((t) => t.token.startsWith(head) && t.token.length > prefix).map((t) => ({ token: t.token.slice(prefix), logprob: t.logprob }));
    }
    return out.length ? out : undefined;
  }
  const legacy = lp.top_logprobs as Record<string, number>[] | undefined;
  if (Array.isArray(legacy) && legacy.length && legacy[0] && typeof legacy[0] === 'object') {
    return Object.entries(legacy[0])
      .filter(([, v]) => typeof v === 'number')
      .map(([token, logprob]) => ({ token, logprob }));
  }
  return undefined;
}

/**
 * Parse a chat-completions body; throws Retryable('retryMalformed') when it is not one, saying what came instead: its
 * content type (when given) and its first 200 characters (a proxy's or web app's HTML page, a body cut short).
 */
export function parseChatBody(text: string, contentType?: string): ChatResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const html = /html/i.test(contentType ?? '') || /^\s*<(!doctype|html)/i.test(text);
    const what = [contentType, `${Buffer.byteLength(text)} bytes`].filter(Boolean).join(', ');
    throw new Retryable(
      'retryMalformed',
      `reply is not JSON (${what}${text.trim() ? `: ${snippet(text)}` : ''})${html ? '; an HTML page answered: is the base URL that of the API (…/v1), not of a web page or proxy?' : ''}`,
    );
  }
  const choice = (body as { choices?: unknown })?.choices;
  if (!Array.isArray(choice) || !choice.length || typeof choice[0] !== 'object' || choice[0] === null) {
    // Proxies (OpenRouter, LiteLLM) may answer 200 with an error object: say what it said.
    const error = parseErrorBody(text);
    if (!Array.isArray(choice) && error && body && typeof body === 'object' && 'error' in body && typeof error.message === 'string') {
      throw new Retryable('retryMalformed', `reply has no choices but an error: ${snippet(error.message)}`);
    }
    throw new Retryable('retryMalformed', `${Array.isArray(choice) && !choice.length ? 'reply has an empty "choices" list' : 'reply has no choices[0]'}: ${snippet(text)}`);
  }
  const c = choice[0] as Record<string, unknown>;
  const fp = (body as { system_fingerprint?: unknown }).system_fingerprint;
  const msg = c.message as { content?: unknown; reasoning_content?: unknown; reasoning?: unknown } | undefined;
  let content = msg?.content;
  // Some servers send content as an array of parts.
  if (Array.isArray(content)) {
    content = content.map((p) => (typeof p === 'string' ? p : typeof p?.text === 'string' ? p.text : '')).join('');
  }
  if (typeof content !== 'string') {
    if (content === null || content === undefined) content = '';
    else throw new Retryable('retryMalformed', 'choices[0].message.content is not text');
  }
  return {
    text: content as string,
    firstTokenTop: firstTokenTop(c, content as string),
    finishReason: typeof c.finish_reason === 'string' ? c.finish_reason : undefined,
    ...reasoningFields([msg?.reasoning_content, msg?.reasoning].find((r): r is string => typeof r === 'string' && r.trim() !== '')),
    ...(typeof fp === 'string' && fp !== '' ? { systemFingerprint: fp } : {}),
    ...withUsage(usageOfBody((body as { usage?: unknown }).usage)),
    ...withTokens(tokenLogprobsOf(c.logprobs)),
  };
}

const withTokens = (tokenLogprobs: ChatTokenLogprob[] | undefined): Pick<ChatResult, 'tokenLogprobs'> => (tokenLogprobs ? { tokenLogprobs } : {});

const withUsage = (usage: TokenUsage | undefined): Pick<ChatResult, 'usage'> => (usage ? { usage } : {});

/** A message's reasoning text (undefined: none) as ChatResult's fields. */
function reasoningFields(text: string | undefined): Pick<ChatResult, 'reasoning' | 'reasoningText'> {
  return text === undefined ? {} : { reasoning: true, reasoningText: text };
}

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One POST over a keep-alive agent; rejects on network errors and on abort. */
function post(url: URL, agent: HttpAgent, headers: Record<string, string>, payload: string, signal: AbortSignal): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      { method: 'POST', agent, signal, headers: { ...headers, 'content-length': String(Buffer.byteLength(payload)) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('connection lost while reading the reply')));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export class ChatClient {
  readonly endpoint: string;
  private readonly sem: Semaphore;
  private readonly cache?: ResponseCache<CachedResult>;
  private readonly counters: Omit<ClientStats, 'cacheHits' | 'cacheMisses'> = {
    requests: 0,
    retries: 0,
    retry429: 0,
    retry5xx: 0,
    retryTimeout: 0,
    retryNetwork: 0,
    retryMalformed: 0,
    retryOther: 0,
    failures: 0,
    logprobsFallbacks: 0,
    truncated: 0,
    contentFiltered: 0,
    reasoningOnly: 0,
    empty: 0,
  };
  /** Set once the server refused a logprobs request; later requests omit logprobs (but those that require them). */
  logprobsRefused = false;
  /** When the last long wait was announced (ANNOUNCE_EVERY_MS apart). */
  private announcedAt = -Infinity;

  private readonly url: URL;
  private readonly agent: HttpAgent;

  constructor(private readonly opts: ChatClientOptions) {
    this.endpoint = chatCompletionsUrl(opts.baseUrl);
    this.url = new URL(this.endpoint);
    const agentOpts = { keepAlive: true, maxSockets: opts.concurrency, keepAliveMsecs: 10_000 };
    this.agent = this.url.protocol === 'https:' ? new HttpsAgent(agentOpts) : new HttpAgent(agentOpts);
    this.sem = new Semaphore(opts.concurrency);
    if (opts.cacheDir) this.cache = new ResponseCache<CachedResult>(opts.cacheDir, opts.cacheMaxBytes);
  }

  /** Never let the key through in a message, even if a server echoes it back. */
  private redact(s: string): string {
    const k = this.opts.apiKey;
    return k && k.length >= 4 ? s.split(k).join('***') : s;
  }

  /** Close idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  stats(): ClientStats {
    return { ...this.counters, cacheHits: this.cache?.hits ?? 0, cacheMisses: this.cache?.misses ?? 0 };
  }

  /**
   * Send one chat-completions request. `body` is the JSON body; `cacheable` says whether the
   * reply may be served from / stored in the cache (greedy requests); `keepTokens`, whether its token logprobs
   * (ChatResult.tokenLogprobs) are wanted, and so cached: an entry written without them is then a miss, asked again and
   * written over (before, a proxy's repeated request came back from the cache without its upstream's logprobs).
   * `headers` are extra, non-secret headers. `logprobsRequired`: the logprobs in `body` were asked for by a client of its
   * own (`askfirst serve`'s, through a proxy), which must get them or a refusal: they are always sent, and a refusal is
   * thrown as it came (UpstreamError; `param` "logprobs" when the server named it), never answered without them as eval's
   * automatic fallback answers (before, serve's client asking for logprobs silently got none once one request had been
   * refused them).
   */
  async complete(
    body: Record<string, unknown>,
    o: RequestOptions & { cacheable?: boolean; keepTokens?: boolean; logprobsRequired?: boolean } = {},
  ): Promise<ChatResult> {
    let b = body;
    if (this.logprobsRefused && !o.logprobsRequired && 'logprobs' in b) b = withoutLogprobs(b);
    const key = this.cache && o.cacheable ? requestKey(this.endpoint, b) : undefined;
    if (key) {
      const hit = await this.cache!.get(key);
      if (hit && (hit.tokensKept || !o.keepTokens)) {
        const { tokensKept: _kept, ...res } = hit;
        return res;
      }
      if (hit) {
        this.cache!.hits--; // written without the token logprobs wanted: a miss, asked again
        this.cache!.misses++;
      }
    }
    let res: ChatResult;
    try {
      res = await this.withRetries(b, o);
    } catch (e) {
      // A server that rejects logprobs with 400/422: resend once without them, and stop asking
      // (the documented automatic fallback). A rejection that names another field is the caller's to fix.
      // Stop asking only once the resend is answered: a refusal that names no field and comes back
      // without logprobs too (vLLM's "maximum context length" for one long prompt) was not about
      // them, and must not cost every later request its scores.
      const named = e instanceof UpstreamError ? e.param : undefined;
      if (e instanceof UpstreamError && !o.logprobsRequired && (e.status === 400 || e.status === 422) && 'logprobs' in b && (!named || named === 'logprobs' || named === 'top_logprobs')) {
        this.counters.failures--; // not a failure yet (the resend counts its own)
        const plain = await this.complete(withoutLogprobs(b), o);
        this.logprobsRefused = true;
        this.counters.logprobsFallbacks++;
        return plain;
      }
      throw e;
    }
    const cause = replyCause(res, stripThinking(res.text));
    if (cause === 'length') this.counters.truncated++;
    else if (cause === 'content-filter') this.counters.contentFiltered++;
    else if (cause === 'reasoning-only') this.counters.reasoningOnly++;
    else if (cause === 'empty') this.counters.empty++;
    if (key) {
      const { tokenLogprobs: _notCached, ...kept } = res; // kept only when wanted (ChatResult.tokenLogprobs)
      await this.cache!.put(key, o.keepTokens ? { ...res, tokensKept: true } : kept);
    }
    return res;
  }

  private async withRetries(body: Record<string, unknown>, o: RequestOptions): Promise<ChatResult> {
    const payload = JSON.stringify(body);
    // Interrupted, or the run failed on another request: no attempt starts (one on the wire ends as it does)
    const stopped = () => (o.signal?.aborted ? abortError() : o.halt?.aborted ? new RequestHalted() : undefined);
    if (o.halt) manyListeners(o.halt);
    // why the attempt before failed: counted (retries, and by reason) once the retry is sent, not when a halt or an
    // interrupt cuts its backoff short (the summary's "N retried" counted retries never made)
    let retrying: RetryReason | undefined;
    for (let attempt = 0; ; attempt++) {
      let retryAfter: number | undefined;
      let why: string | undefined;
      await this.sem.acquire();
      const sent = Date.now();
      try {
        const stop = stopped(); // checked once a slot is ours: the run may have failed while this request waited for one
        if (stop) throw stop;
        if (retrying) {
          this.counters.retries++;
          this.counters[retrying]++;
        }
        return await this.attempt(payload, o);
      } catch (e) {
        if (!(e instanceof Retryable)) {
          if (!(e instanceof AskfirstError && e.code === 'TIMEOUT') && !(e instanceof RequestHalted)) this.counters.failures++;
          throw e;
        }
        if (attempt >= this.opts.retries) {
          this.counters.failures++;
          const said = e.answered?.said === undefined ? undefined : this.redact(e.answered.said);
          throw new UpstreamError(
            `${this.endpoint}: gave up after ${attempt + 1} attempt${attempt === 0 ? '' : 's'} (last: ${this.redact(e.message)}); check the server, or raise --retries/--timeout`,
            { status: e.answered?.status, said },
          );
        }
        retrying = e.reason;
        retryAfter = e.retryAfterMs;
        why = this.redact(e.message);
      } finally {
        this.sem.release();
      }
      // halted or interrupted while the attempt was on the wire: no backoff, and no notice of one
      const stop = stopped();
      if (stop) throw stop;
      // The server's wait, unless it is shorter than the first backoff step (--backoff-ms): a `Retry-After: 0` (or a few
      // ms) resent every attempt at once, 7 in about 0.3 s, as a loop. As the OpenAI SDK, which backs off by itself for a
      // Retry-After of 0 and honours a second or more as asked (a later attempt's own backoff may be longer).
      const backoff = backoffDelay(attempt, this.opts.backoffMs, this.opts.maxBackoffMs);
      const asked = retryAfter !== undefined ? Math.min(retryAfter, MAX_RETRY_AFTER_MS) + Math.random() * 0.1 * this.opts.backoffMs : undefined;
      const wait = retryAfter !== undefined && retryAfter >= this.opts.backoffMs ? asked! : backoff;
      this.announce(wait, Date.now() - sent, wait === asked, why ?? '', attempt);
      await sleep(wait, o.signal, o.halt).catch((e: unknown) => {
        throw stopped() ?? e;
      });
    }
  }

  /**
   * Say a retry that holds the run long, once a minute at most, so a run held by a rate limit or by a server that
   * accepts requests and never answers them (each attempt waits out --timeout) does not read as hung: `heldMs`, how
   * long the failed attempt took, plus `waitMs`, the wait before the next, is ANNOUNCE_WAIT_MS or more.
   */
  private announce(waitMs: number, heldMs: number, serverAsked: boolean, why: string, attempt: number): void {
    const now = Date.now();
    if (!this.opts.notice || waitMs + heldMs < ANNOUNCE_WAIT_MS || now - this.announcedAt < ANNOUNCE_EVERY_MS) return;
    this.announcedAt = now;
    const secs = waitMs < ANNOUNCE_WAIT_MS ? (waitMs / 1000).toFixed(1) : String(Math.round(waitMs / 1000));
    const asked = serverAsked ? `the server asked to wait ${secs} s (Retry-After)` : `backing off ${secs} s`;
    this.opts.notice(`${this.endpoint}: ${why}; ${asked} before retry ${attempt + 1} of ${this.opts.retries} (said at most once a minute)`);
  }

  private async attempt(payload: string, o: RequestOptions): Promise<ChatResult> {
    this.counters.requests++;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), this.opts.timeoutMs);
    // The run's signal aborts this attempt too (one listener per request in flight, removed after).
    const onAbort = () => ctl.abort();
    if (o.signal) {
      manyListeners(o.signal);
      if (o.signal.aborted) ctl.abort();
      else o.signal.addEventListener('abort', onAbort, { once: true });
    }
    const signal = ctl.signal;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...(o.headers ?? {}) };
    if (this.opts.apiKey) {
      if (this.opts.apiKeyHeader === 'api-key') headers['api-key'] = this.opts.apiKey;
      else headers.authorization = `Bearer ${this.opts.apiKey}`;
    }
    try {
      let resp: RawResponse;
      try {
        resp = await post(this.url, this.agent, headers, payload, signal);
      } catch (e) {
        if (o.signal?.aborted) throw abortError();
        if (ctl.signal.aborted) throw new Retryable('retryTimeout', `no complete reply within ${seconds(this.opts.timeoutMs)} (--timeout)`);
        const code = (e as NodeJS.ErrnoException).code;
        throw new Retryable('retryNetwork', `network error: ${code ?? describeError(e)}${networkAdvice(code, this.url)}`);
      }
      const text = resp.text;
      const failed = resp.status < 200 || resp.status >= 300;
      const body = failed ? parseErrorBody(text) : undefined;
      // OpenAI's 429 for a used-up quota is not a rate limit: no wait makes it pass.
      const quota = resp.status === 429 && (body?.code === 'insufficient_quota' || body?.type === 'insufficient_quota');
      if (failed && !quota && shouldRetry(resp.status, headerValue(resp.headers['x-should-retry'])?.trim().toLowerCase())) {
        const wait = retryAfterOf(resp.headers);
        // the server's own words, for the give-up message: its JSON error's message, or the first characters of a body
        // that is not JSON (a proxy's HTML page for a 502, said only as "HTTP 502" before), as a refusal's are quoted
        const words = serverWords(body, text);
        const said = words ? `: ${words}` : '';
        const answered = { status: resp.status, said: words };
        if (resp.status === 429) throw new Retryable('retry429', `HTTP 429 (rate limited)${said}`, wait, answered);
        if (resp.status >= 500) throw new Retryable('retry5xx', `HTTP ${resp.status}${said}`, wait, answered);
        if (resp.status === 408) throw new Retryable('retryTimeout', `HTTP 408 (request timeout)${said}`, wait, answered);
        throw new Retryable('retryOther', `HTTP ${resp.status}${said}`, wait, answered);
      }
      if (failed) {
        const sent = JSON.parse(payload) as Record<string, unknown>;
        const hint = statusAdvice(resp.status, body, {
          baseUrl: this.opts.baseUrl,
          endpoint: this.endpoint,
          model: typeof sent.model === 'string' ? sent.model : undefined,
          keySent: this.opts.apiKey !== undefined,
          apiKeyEnv: this.opts.apiKeyEnv,
          keyFlagPrefix: this.opts.keyFlagPrefix,
          location: headerValue(resp.headers.location) ?? undefined,
        });
        const param = resp.status === 400 || resp.status === 422 ? rejectedParam(body, sent) : undefined;
        const words = serverWords(body, text);
        const said = words === undefined ? undefined : this.redact(words);
        if (param && param !== 'logprobs' && param !== 'top_logprobs') {
          throw new UpstreamError(
            `${this.endpoint}: the server rejected the request parameter "${param}" (HTTP ${resp.status}: ${this.redact(snippet(text))}); ${paramAdvice(param)}`,
            { status: resp.status, param, said },
          );
        }
        // A `param` that is none of our settings (OpenAI's "messages.[0].content.[1].image_url") still
        // says which part was at fault: kept, so the logprobs fallback does not take it for a refusal of logprobs.
        const blamed = param ?? (typeof body?.param === 'string' && body.param ? body.param : undefined);
        throw new UpstreamError(`${this.endpoint}: HTTP ${resp.status}${hint}: ${this.redact(snippet(text))}`, { status: resp.status, param: blamed, said });
      }
      // A stream (asked for in --extra-body, or a gateway's default) comes back the same on every retry.
      if (/^text\/event-stream/i.test(headerValue(resp.headers['content-type']) ?? '') || /^\s*data:/.test(text)) {
        throw new UpstreamError(
          `${this.endpoint}: the server streamed its reply (text/event-stream); askfirst reads one JSON reply: remove "stream" from --extra-body, or add "stream": false to it`,
          { status: resp.status },
        );
      }
      return parseChatBody(text, headerValue(resp.headers['content-type']) ?? undefined);
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** What a connection error means for the base URL (retried all the same: a server may be starting, DNS may blink). */
function networkAdvice(code: string | undefined, url: URL): string {
  if (code === 'ECONNREFUSED') return ` (nothing listens at ${url.host}: is the server running, on that port?)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return ` (the host ${url.hostname} was not found: check the base URL)`;
  return '';
}

function withoutLogprobs(b: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...b };
  delete rest.logprobs;
  delete rest.top_logprobs;
  return rest;
}

/** Milliseconds as seconds for a message: "120 s", "0.4 s". */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** The first 200 characters of a server's error body, on one line. */
/** What an error answer says in its own words: its JSON error's message, else the start of a body that is not JSON (a proxy's page). */
function serverWords(body: Record<string, unknown> | undefined, text: string): string | undefined {
  if (typeof body?.message === 'string' && body.message.trim()) return snippet(body.message);
  return !body && text.trim() ? snippet(text) : undefined;
}

function snippet(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 200)}…` : one;
}
