/**
 * The parts of `askfirst eval` that concern remote models and the open-ended mode: the
 * options (--judge, --judge-concurrency, --hint, --history, --concurrency, --timeout, --retries, --cache,
 * --api-key-env, --api-key-header, and the generation settings --temperature, --max-tokens, --max-tokens-param,
 * --omit-params, --extra-body, --system-prompt, --no-logprobs, image options, --askfirst-headers), mode names (mcqa = proactive; open = open-ended, judged), and the request
 * counters printed in the run summary. Kept apart so cli/eval.ts stays one readable flow.
 */
import { z } from 'zod';
import type { EvalMode } from '../episode/types.js';
import type { Policy } from '../agents/policy.js';
import type { ViewLoader } from '../suite/types.js';
import type { Episodes } from '../suite/episode-stream.js';
import { HttpJudge, parseJudgeSpec } from '../eval/judge.js';
import { compactOpenRecord, evaluateOpenEnded, openSummaryTable, type OpenSummary } from '../eval/open-ended.js';
import { ConfigError, describeError, InputError } from '../util/errors.js';
import { noteLine } from '../util/progress.js';
import { EVAL_MODE_NAMES, evalHttpFields } from './eval-http-schema.js';
import { refuseUnread } from './options.js';

type HttpCli = z.output<z.ZodObject<typeof evalHttpFields>>;

/**
 * `--mode` values → the MCQA modes to run (mcqa = proactive; with --hint, proactive → hint) and whether to run open-ended.
 * A --hint that no mode reads (`--mode reference` alone) is refused, as a --judge without open mode.
 */
export function splitModes(modes: readonly (typeof EVAL_MODE_NAMES)[number][], o: Pick<HttpCli, 'hint' | 'judge'>): { mcqa: EvalMode[]; open: boolean } {
  const mcqa: EvalMode[] = [];
  for (const m of modes) {
    if (m === 'open') continue;
    let e: EvalMode = m === 'mcqa' ? 'proactive' : m;
    if (o.hint && e === 'proactive') e = 'hint';
    if (!mcqa.includes(e)) mcqa.push(e);
  }
  const open = modes.includes('open');
  // --hint changes proactive (→ hint) and open mode only; the reference mode has no hint: refused, not ignored
  if (o.hint && !open && !mcqa.some((m) => m === 'hint'))
    throw new ConfigError(
      `--hint is read by the proactive (mcqa) and open modes only, and --mode ${modes.join(',')} runs neither (the reference mode shows the clearest view and the categories, with no hint): add proactive to --mode (e.g. --mode proactive,reference), or leave --hint out`,
    );
  if (open && !o.judge) throw new ConfigError('--mode open needs a judge: add --judge openai:URL#MODEL (any OpenAI-compatible endpoint)');
  if (o.judge && !open) throw new ConfigError(`--judge is read only by the open-ended mode: add open to --mode (e.g. --mode proactive,open), or leave --judge out`);
  if (o.judge) checkJudgeSpec(o.judge);
  return { mcqa, open };
}

/** Settings of the HTTP client itself: read by an openai: policy and by the judge. */
const CLIENT_KEYS = ['concurrency', 'timeout', 'retries', 'cache', 'cacheMaxBytes', 'apiKeyEnv', 'apiKeyHeader'] as const;
/** Settings of the requests an openai: policy sends (the judge keeps its own). */
const REQUEST_KEYS = ['history', 'temperature', 'maxTokens', 'maxTokensParam', 'omitParams', 'extraBody', 'systemPrompt', 'logprobs', 'jpegPassthrough', 'maxPixels', 'askfirstHeaders'] as const;

/** The remote-model settings, for their defaults (options.ts's `refuseUnread`). */
const HttpSchema = z.object(evalHttpFields);

/**
 * Refuse remote-model settings that nothing in this run reads, rather than ignore them: request settings (--max-tokens,
 * --no-logprobs, --history …) are read by an openai: policy only, client settings (--concurrency, --timeout, --cache …)
 * by an openai: policy or the judge. `given`: the settings as the user gave them (flags and --config, before the
 * schema's defaults: options.ts's `refuseUnread`), `policies` the policy specs of the run, `judge` whether a judge model is used.
 */
export function refuseUnreadHttpFlags(given: Readonly<Record<string, unknown>>, policies: readonly string[], judge: boolean): void {
  if (policies.some((p) => p.startsWith('openai:'))) return;
  refuseUnread(
    HttpSchema,
    given,
    [
      { keys: REQUEST_KEYS, readBy: 'read by an openai:URL#MODEL policy only, for the requests it sends' },
      ...(judge ? [] : [{ keys: CLIENT_KEYS, readBy: 'read by an openai:URL#MODEL policy or a --judge only, for their HTTP client, and this run has no --judge' }]),
    ],
    noOpenaiPolicy(policies),
    'use an openai: policy',
  );
}

/** "with --policy oracle (not an openai: policy)": the run's policies, none of which is openai:, for a refusal. */
function noOpenaiPolicy(policies: readonly string[]): string {
  return `with --policy ${policies.join(', ')} (${policies.length === 1 ? 'not an openai: policy' : 'none of them an openai: policy'})`;
}

/**
 * --judge-concurrency without --judge is read by nothing; with it and no openai: policy, --concurrency would be read by
 * nothing either (the judge takes --judge-concurrency): both refused, not ignored (eval and probe hallucination).
 * `given`: the options as typed; `addJudge`: what to do instead of leaving --judge-concurrency out.
 */
export function refuseUnreadJudgeConcurrency(given: Readonly<Record<string, unknown>>, o: Pick<HttpCli, 'judge' | 'judgeConcurrency'>, policies: readonly string[], addJudge = 'add --judge openai:URL#MODEL'): void {
  if (!o.judge) refuseUnread(HttpSchema, given, { keys: ['judgeConcurrency'], readBy: "read by the --judge's HTTP client only" }, 'without --judge', addJudge);
  else if (o.judgeConcurrency !== undefined && !policies.some((p) => p.startsWith('openai:'))) {
    refuseUnread(HttpSchema, given, { keys: ['concurrency'], readBy: "read by an openai:URL#MODEL policy only once --judge-concurrency sets the judge's" }, `${noOpenaiPolicy(policies)} and --judge-concurrency`);
  }
}

/**
 * An --api-key-env naming a variable that is not set (a typo, or not exported) is refused, as `serve` refuses it: the
 * client fell back to OPENAI_API_KEY without a word (or sent no key, and the server's 401 came after the data was read).
 * The default variable (ASKFIRST_API_KEY) still falls back to OPENAI_API_KEY; `given`: the options as the user gave them;
 * `flag`: the option that named it (serve's is --upstream-api-key-env: its --api-key-env is its own clients' key).
 */
export function refuseUnsetKeyEnv(given: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv = process.env, flag = '--api-key-env'): void {
  const name = given.apiKeyEnv;
  if (typeof name !== 'string' || env[name]?.trim()) return;
  const instead = env.OPENAI_API_KEY?.trim() ? 'OPENAI_API_KEY would be sent in its place' : 'no API key would be sent';
  throw new InputError(`${flag} ${name}: that environment variable is not set (or empty), so ${instead}; export ${name}=KEY first, or leave ${flag} out`);
}

/** A --judge that cannot name an endpoint is refused before any work, with the flag named (the judge is built only when open mode starts). */
export function checkJudgeSpec(spec: string): void {
  try {
    parseJudgeSpec(spec);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`--judge: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Backend options for createPolicy (`PolicyContext.options`) and for the judge's client. */
export function httpOptions(o: Partial<HttpCli>): Record<string, unknown> {
  const opts: Record<string, unknown> = { history: o.history };
  if (o.concurrency !== undefined) opts.concurrency = o.concurrency;
  if (o.timeout !== undefined) opts.timeoutMs = Math.max(1, Math.round(o.timeout * 1000));
  if (o.retries !== undefined) opts.retries = o.retries;
  if (o.cache !== undefined) opts.cacheDir = o.cache;
  if (o.cacheMaxBytes !== undefined) {
    // the bound of a cache the run does not keep: refused, not ignored
    if (o.cache === undefined) throw new ConfigError(`--cache-max-bytes ${o.cacheMaxBytes} bounds the --cache folder, and there is none: add --cache DIR, or leave --cache-max-bytes out`);
    opts.cacheMaxBytes = o.cacheMaxBytes;
  }
  if (o.apiKeyEnv !== undefined) opts.apiKeyEnv = o.apiKeyEnv;
  if (o.apiKeyHeader !== undefined) opts.apiKeyHeader = o.apiKeyHeader;
  return opts;
}

/** The judge's client settings: the policy's (--timeout, --retries, --cache …), its requests in flight --judge-concurrency's when given, else --concurrency's. */
export function judgeHttpOptions(o: HttpCli): Record<string, unknown> {
  const opts = httpOptions(o);
  return o.judgeConcurrency === undefined ? opts : { ...opts, concurrency: o.judgeConcurrency };
}

/** `--extra-body` as an object: a JSON string from the command line, or an object from a config file. */
export function parseExtraBody(v: string | Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (v === undefined || typeof v === 'object') return v;
  let j: unknown;
  try {
    j = JSON.parse(v);
  } catch (e) {
    throw new ConfigError(`--extra-body must be a JSON object, e.g. '{"reasoning_effort":"low"}'; got ${JSON.stringify(v.slice(0, 60))} (${describeError(e)})`);
  }
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw new ConfigError(`--extra-body must be a JSON object, got ${JSON.stringify(v.slice(0, 60))}`);
  for (const k of ['model', 'messages']) if (k in (j as object)) throw new ConfigError(`--extra-body may not set "${k}" (askfirst sends it)`);
  return j as Record<string, unknown>;
}

/** The generation settings for the policy under test (openai: only), as HTTP-policy config keys. */
export function generationOptions(o: Partial<HttpCli>): Record<string, unknown> {
  const g: Record<string, unknown> = { logprobs: o.logprobs, jpegPassthrough: o.jpegPassthrough, askfirstHeaders: o.askfirstHeaders };
  if (o.temperature !== undefined) {
    g.temperature = o.temperature;
    g.greedyTemperature = o.temperature;
  }
  if (o.maxTokens !== undefined) g.maxTokens = o.maxTokens;
  if (o.maxTokensParam !== undefined) g.maxTokensParam = o.maxTokensParam;
  if (o.omitParams !== undefined) g.omitParams = o.omitParams;
  const extra = parseExtraBody(o.extraBody);
  if (extra !== undefined) g.extraBody = extra;
  if (o.systemPrompt !== undefined) g.systemPrompt = o.systemPrompt;
  if (o.maxPixels !== undefined) g.maxPixels = o.maxPixels;
  return g;
}

/** One line of request counters for a policy or judge that keeps them. */
export function statsLine(label: string, s: Record<string, number> | undefined): string | null {
  if (!s || s.requests === undefined) return null;
  const parts = [`${s.requests} requests`, `${s.retries} retried (429: ${s.retry429}, 5xx: ${s.retry5xx}, timeout: ${s.retryTimeout}, network: ${s.retryNetwork}, malformed: ${s.retryMalformed}, other: ${s.retryOther})`, `${s.failures} failed`];
  if (s.cacheHits || s.cacheMisses) parts.push(`cache ${s.cacheHits} hits / ${s.cacheMisses} misses`);
  if (s.truncated) parts.push(`${s.truncated} replies cut off at the token limit (raise --max-tokens)`);
  if (s.contentFiltered) parts.push(`${s.contentFiltered} replies stopped by the server's content filter`);
  if (s.reasoningOnly) parts.push(`${s.reasoningOnly} replies all reasoning with an empty answer (raise --max-tokens, or lower the reasoning effort in --extra-body)`);
  if (s.empty) parts.push(`${s.empty} replies empty though the server said they ended normally (is the model right for the prompt, its chat template loaded?)`);
  return `${label}: ${parts.join(', ')}`;
}

export interface OpenRun {
  summary: OpenSummary;
  resumed: number;
  judgeStats?: Record<string, number>;
  table: string;
}

/** Run the open-ended mode into `out/open/` (resumable) and format its table. */
export async function runOpenMode(a: {
  /** Read once, a batch at a time (`askfirst eval`: the data's stream, suite/open.ts openData). */
  episodes: Episodes;
  loader: ViewLoader;
  policy: Policy;
  cli: HttpCli;
  out: string;
  run: Record<string, unknown>;
  overwrite: boolean;
  earlierDataFingerprints: readonly string[];
  batchSize: number;
  sample: boolean;
  showProgress: boolean;
  signal: AbortSignal;
  title: string;
}): Promise<OpenRun> {
  const judge = new HttpJudge(a.cli.judge!, judgeHttpOptions(a.cli), process.env, (l) => noteLine(`askfirst eval: judge: ${l}`));
  try {
    const res = await evaluateOpenEnded({ ...a, judge, hint: a.cli.hint }, compactOpenRecord); // what the summary reads: no record's text held
    const resumed = res.resumed ? ` (${res.resumed} resumed from an earlier run)` : '';
    return {
      summary: res.summary,
      resumed: res.resumed,
      judgeStats: judge.stats(),
      table: openSummaryTable(res.summary, `\n${a.title} — open-ended mode (judge ${judge.name}), ${res.summary.episodes} episodes${resumed}`),
    };
  } finally {
    judge.close();
  }
}
