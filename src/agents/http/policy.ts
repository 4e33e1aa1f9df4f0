/**
 * The HTTP policy: any vision-language model behind an OpenAI-compatible chat-completions
 * endpoint, as a `Policy`. Spec: `openai:URL#MODEL`, e.g.
 * `openai:http://127.0.0.1:11434/v1#qwen2.5vl:7b` (Ollama), `openai:http://localhost:8000/v1#Qwen/Qwen2.5-VL-3B-Instruct` (vLLM).
 * Each observation becomes one request (prompt text + the view as a PNG data URL, or a JPEG
 * file's own bytes; earlier turns too when history is on); greedy requests use
 * `greedyTemperature` (0) and are cached when a cache directory is set; first-token
 * log-probabilities become per-option scores. Generation settings (token limit and its field
 * name, temperatures, omitted fields, extra body fields) are in the config (config.ts).
 */
import { AskfirstError } from '../../util/errors.js';
import type { ActOptions, LogprobsAsked, Observation, Policy, PolicyFactory, PolicyReply, ReplyLimits, Sampling } from '../policy.js';
import { ChatClient, replyCause, type ClientStats } from './client.js';
import { Semaphore } from '../../util/semaphore.js';
import { apiKeyFromEnv, httpPolicySchema, parseOpenAISpec, resolveHttpPolicyConfig, type HttpPolicyConfig } from './config.js';
import { optionLogProbs } from './logprobs.js';
import { contentOf, reasoningOf, stripThinking } from '../../episode/thinking.js';
import { buildMessages, ConversationMemory } from './messages.js';
import { pngDataUrl } from '../../scenes/png.js';
import { fitPixels } from '../../scenes/resize.js';
import type { RGBImage } from '../../scenes/image.js';
import { POLICY_USAGE } from '../policy-usage.js';

/** The view as a data URL: the JPEG file's own bytes when allowed and unchanged, else PNG (shrunk to `maxPixels` first). */
export function viewDataUrl(img: RGBImage, o: { jpegPassthrough: boolean; maxPixels?: number }): string {
  const fitted = o.maxPixels !== undefined ? fitPixels(img, o.maxPixels) : img;
  if (o.jpegPassthrough && fitted === img && img.encoded) return `data:${img.encoded.mime};base64,${Buffer.from(img.encoded.bytes).toString('base64')}`;
  return pngDataUrl(fitted);
}

/**
 * The JSON body of one chat-completions request: model and messages, the token limit under the
 * field the endpoint wants, the temperature (greedy or sampled), top_p, seed and logprobs — each
 * left out when listed in `omitParams` — then `extraBody` merged over it. A sampled request's own
 * settings (`sampling`, and the observation's `seed`: what `askfirst serve --policy openai:…` was
 * asked) stand for the config's temperature and seed, and its top_p is sent when below 1; the
 * draw-th of n choices sends seed + draw (as vLLM seeds the n choices of a request), so they differ. The `limits` of
 * `askfirst serve`'s client (this policy as its proxy) are forwarded: its token limit for the config's, its `stop`; and
 * what it asked of logprobs (`asked`): `logprobs` and `top_logprobs` as it sent them (neither when it asked none) for the
 * config's `topLogprobs` (before, the upstream was asked for the config's 10 alternatives whatever the client asked: a
 * client's top_logprobs 20 came back as 10, and a client that asked for no logprobs had its upstream asked for them).
 * The config's `logprobs: false` or `--omit-params logprobs` still sends none.
 */
export function requestBody(
  c: HttpPolicyConfig,
  messages: unknown,
  o: { sample: boolean; wantLogprobs: boolean; sampling?: Sampling; seed?: number; draw?: number; limits?: ReplyLimits; asked?: LogprobsAsked },
): Record<string, unknown> {
  const omit = new Set(c.omitParams);
  const body: Record<string, unknown> = { model: c.model, messages };
  if (!omit.has('max_tokens')) body[c.maxTokensParam] = o.limits?.maxTokens ?? c.maxTokens;
  if (o.limits?.stop?.length) body.stop = o.limits.stop;
  if (!omit.has('temperature')) body.temperature = o.sample ? (o.sampling?.temperature ?? c.temperature) : c.greedyTemperature;
  if (o.sample && o.sampling?.topP !== undefined && o.sampling.topP !== 1 && !omit.has('top_p')) body.top_p = o.sampling.topP; // 1 is every server's default: not sent
  const seed = o.seed ?? c.seed;
  if (o.sample && seed !== undefined && !omit.has('seed')) body.seed = seed + (o.draw ?? 0);
  if (c.logprobs && !omit.has('logprobs')) {
    if (o.asked) {
      if (o.asked.logprobs) {
        body.logprobs = true;
        if (o.asked.topLogprobs !== undefined) body.top_logprobs = o.asked.topLogprobs;
      }
    } else if (o.wantLogprobs) {
      body.logprobs = true;
      body.top_logprobs = c.topLogprobs;
    }
  }
  return { ...body, ...c.extraBody };
}

/**
 * The token limit a request body carries, as its server reads it: the larger of `max_tokens` and
 * `max_completion_tokens` when both are there (an `extraBody` may add the other spelling: vLLM reads
 * max_completion_tokens first, OpenAI either), undefined when it carries none (`omitParams: max_tokens`) or one that is
 * not a number (the server's own rule then, unknown here).
 */
export function limitOf(body: Readonly<Record<string, unknown>>): number | undefined {
  const fields = ['max_tokens', 'max_completion_tokens'].filter((k) => body[k] !== undefined && body[k] !== null).map((k) => body[k]);
  if (!fields.length || !fields.every((v): v is number => typeof v === 'number' && Number.isFinite(v))) return undefined;
  return Math.max(...fields);
}

/** Non-secret headers that let askfirst's own server (`askfirst serve`) recover episode facts. */
export const EPISODE_HEADERS = {
  episode: 'x-askfirst-episode',
  turn: 'x-askfirst-turn',
  view: 'x-askfirst-view',
  kind: 'x-askfirst-kind',
  interventions: 'x-askfirst-interventions',
  /** Earlier turns as a URL-encoded JSON array of [view, reply] pairs (absent at the first turn). */
  history: 'x-askfirst-history',
} as const;

/** The x-askfirst-* headers for one observation (sent only with `askfirstHeaders` on). */
export function episodeHeaders(o: Observation): Record<string, string> {
  return {
    [EPISODE_HEADERS.episode]: encodeURIComponent(o.episodeId),
    [EPISODE_HEADERS.turn]: String(o.turn),
    [EPISODE_HEADERS.view]: String(o.view),
    [EPISODE_HEADERS.kind]: encodeURIComponent(o.kind),
    [EPISODE_HEADERS.interventions]: String(o.numInterventions),
    ...(o.history.length ? { [EPISODE_HEADERS.history]: encodeURIComponent(JSON.stringify(o.history.map((t) => [t.view, t.reply]))) } : {}),
  };
}

export class HttpPolicy implements Policy {
  readonly name: string;
  /** One request per observation: the runner need not wait for whole batches. */
  readonly pipelined = true;
  readonly config: HttpPolicyConfig;
  readonly client: ChatClient;
  private readonly memory = new ConversationMemory();
  /** Gates request building (PNG encoding) too, so encoding overlaps with waiting instead of running all up front. */
  private readonly gate: Semaphore;
  private closed = false;

  /** `notice`: where the client says it waits long before a retry (ChatClientOptions.notice). */
  constructor(config: Partial<HttpPolicyConfig> & { baseUrl: string; model: string }, env: NodeJS.ProcessEnv = process.env, notice?: (line: string) => void) {
    this.config = resolveHttpPolicyConfig(config);
    this.name = `openai:${this.config.baseUrl}#${this.config.model}`;
    this.client = new ChatClient({
      baseUrl: this.config.baseUrl,
      apiKey: apiKeyFromEnv(this.config.apiKeyEnv, env),
      apiKeyHeader: this.config.apiKeyHeader,
      apiKeyEnv: this.config.apiKeyEnv,
      keyFlagPrefix: this.config.keyFlagPrefix,
      concurrency: this.config.concurrency,
      timeoutMs: this.config.timeoutMs,
      retries: this.config.retries,
      backoffMs: this.config.backoffMs,
      maxBackoffMs: this.config.maxBackoffMs,
      cacheDir: this.config.cacheDir,
      cacheMaxBytes: this.config.cacheMaxBytes,
      notice,
    });
    this.gate = new Semaphore(this.config.concurrency);
  }

  /** Counters for the run summary: requests, retries (by reason), failures, cache hits. */
  stats(): ClientStats {
    return this.client.stats();
  }

  /**
   * One request per observation. The first to fail for good halts the others (no new attempt or retry; one on the wire
   * ends) and is thrown once all have settled, so none still runs, or backs off, after the batch has failed.
   */
  async act(batch: readonly Observation[], opts: ActOptions = {}): Promise<PolicyReply[]> {
    if (this.closed) throw new AskfirstError('INTERNAL', `${this.name} is closed`);
    if (batch.length === 1) return [await this.one(batch[0], opts)]; // the pipelined runner's call: it halts on failure itself
    const failed = new AbortController();
    const one = { ...opts, halt: opts.halt ? AbortSignal.any([opts.halt, failed.signal]) : failed.signal };
    let first: { error: unknown } | undefined;
    const settled = await Promise.allSettled(
      batch.map((o) =>
        this.one(o, one).catch((error: unknown) => {
          if (!first) {
            first = { error };
            failed.abort();
          }
          throw error;
        }),
      ),
    );
    if (first) throw first.error;
    return settled.map((r) => (r as PromiseFulfilledResult<PolicyReply>).value);
  }

  private async one(o: Observation, opts: ActOptions): Promise<PolicyReply> {
    await this.gate.acquire();
    try {
      return await this.request(o, opts);
    } finally {
      this.gate.release();
    }
  }

  private async request(o: Observation, opts: ActOptions): Promise<PolicyReply> {
    const c = this.config;
    const imageUrl = viewDataUrl(o.image, c);
    const past = c.history ? this.memory.before(o.episodeId, o.turn) : [];
    const messages = buildMessages({ system: c.systemPrompt, past, prompt: o.prompt, imageUrl });
    const body = requestBody(c, messages, {
      sample: opts.sample === true,
      wantLogprobs: o.options.length > 0,
      ...(opts.sampling ? { sampling: opts.sampling } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.draw ? { draw: o.draw } : {}),
      ...(opts.limits ? { limits: opts.limits } : {}),
      ...(opts.logprobs ? { asked: opts.logprobs } : {}),
    });
    const res = await this.client.complete(body, {
      cacheable: !opts.sample,
      keepTokens: opts.logprobs?.logprobs === true, // serve's client asked for the upstream's token logprobs: cached with the reply
      // and must get them or the upstream's refusal, not eval's fallback of a reply without them
      logprobsRequired: opts.logprobs?.logprobs === true,
      signal: opts.signal,
      halt: opts.halt,
      // Episode facts for askfirst's own server only: a third-party endpoint never sees them unless asked.
      headers: c.askfirstHeaders ? episodeHeaders(o) : undefined,
    });
    const limitSent = limitOf(body);
    const reply = stripThinking(res.text);
    if (c.history) this.memory.record(o.episodeId, o.turn, { prompt: o.prompt, imageUrl, reply });
    const scores = o.options.length ? optionLogProbs(res.firstTokenTop, o.options) : undefined;
    const cause = replyCause(res, reply);
    const reasoning = res.reasoningText ?? reasoningOf(res.text);
    // what the upstream's model wrote, as `askfirst serve` sends it on: its content as it came, or with the leading
    // reasoning block taken to `reasoning` (a server without a reasoning parser), as vLLM's parser would; not unwrapped
    const written = res.reasoningText === undefined ? contentOf(res.text) : res.text;
    return {
      reply,
      ...(written !== reply ? { written } : {}),
      ...(reasoning !== undefined ? { reasoning } : {}),
      ...(scores ? { optionLogProbs: scores } : {}),
      ...(cause ? { cause } : {}),
      ...(res.systemFingerprint ? { fingerprint: res.systemFingerprint } : {}),
      ...(res.usage ? { usage: res.usage } : {}),
      ...(res.tokenLogprobs ? { tokenLogprobs: res.tokenLogprobs } : {}),
      ...(opts.limits && limitSent !== undefined ? { limitSent } : {}), // for serve, whose limits it was given (finish.ts cutLimit)
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }
}

/** Keys of the HTTP config that may come from the command line through `PolicyContext.options`. */
const OPTION_KEYS = Object.keys(httpPolicySchema.shape).filter((k) => k !== 'baseUrl' && k !== 'model');

/** The `openai:URL#MODEL` factory for the policy registry. */
export const openaiPolicyFactory: PolicyFactory = {
  name: 'openai',
  usage: POLICY_USAGE.openai,
  check: (arg) => void parseOpenAISpec(arg),
  reads: () => ['sample', 'seed'], // the seed is sent with a sampled request
  // served as the upstream's model (MODEL), never its URL: a client moving from the upstream to the proxy changes its
  // base URL only, as it would for vLLM's or LiteLLM's; the URL may be an internal host, port and path
  servedId: (arg) => (arg.includes('#') ? arg.slice(arg.indexOf('#') + 1) : '') || 'openai',
  create: async (arg, ctx) => {
    const { baseUrl, model } = parseOpenAISpec(arg);
    const extra: Record<string, unknown> = {};
    for (const k of OPTION_KEYS) if (ctx.options?.[k] !== undefined) extra[k] = ctx.options[k];
    if (extra.seed === undefined) extra.seed = ctx.seed;
    return new HttpPolicy({ ...extra, baseUrl, model }, process.env, ctx.notice);
  },
};
