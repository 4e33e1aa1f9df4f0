/**
 * The parts of `askfirst eval` that concern remote models and the open-ended mode: the
 * options (--judge, --hint, --history, --concurrency, --timeout, --retries, --cache,
 * --api-key-env, --api-key-header, and the generation settings --temperature, --max-tokens, --max-tokens-param,
 * --omit-params, --extra-body, --system-prompt, --no-logprobs, image options, --askfirst-headers), mode names (mcqa = proactive; open = open-ended, judged), and the request
 * counters printed in the run summary. Kept apart so cli/eval.ts stays one readable flow.
 */
import { z } from 'zod';
import { EVAL_MODES, type EvalMode } from '../episode/types.js';
import type { Policy } from '../agents/policy.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { HttpJudge, parseJudgeSpec } from '../eval/judge.js';
import { evaluateOpenEnded, openSummaryTable, type OpenSummary } from '../eval/open-ended.js';
import { ConfigError, InputError } from '../util/errors.js';

export const EVAL_MODE_NAMES = [...EVAL_MODES, 'mcqa', 'open'] as const;

/** Fields added to the eval command's schema. */
export const evalHttpFields = {
  judge: z.string().optional().describe('judge model for --mode open: openai:URL#MODEL (any OpenAI-compatible endpoint)'),
  hint: z.boolean().default(false).describe('hints on: proactive/mcqa runs as hint mode; open mode adds a sentence inviting the model to say what would help; the reference mode has none (refused with --mode reference alone)'),
  history: z.boolean().default(false).describe('openai: send earlier turns (with their images) as conversation history'),
  concurrency: z.number().int().min(1).max(1024).optional().describe('openai: requests in flight at once (default 8)'),
  timeout: z.number().positive().optional().describe('openai: per-request timeout in seconds (default 120)'),
  retries: z.number().int().min(0).max(100).optional().describe('openai: retries per request on 429/5xx/network errors/timeouts/malformed replies (default 6)'),
  cache: z.string().optional().describe('openai: response cache directory; repeated greedy requests are answered from it'),
  apiKeyEnv: z.string().optional().describe('openai: environment variable holding the API key (default ASKFIRST_API_KEY, then OPENAI_API_KEY); the key is never printed or written'),
  apiKeyHeader: z
    .enum(['authorization', 'api-key'])
    .optional()
    .describe('openai: how the API key is sent: authorization ("Authorization: Bearer KEY", the default; OpenAI, vLLM, most servers) or api-key ("api-key: KEY", Azure OpenAI\'s keys)'),
  // Generation settings (openai: policies; the judge keeps its own defaults).
  temperature: z.number().min(0).max(2).optional().describe('openai: temperature sent with every request (default 0 when greedy, 1 with --sample); reasoning models accept only 1'),
  maxTokens: z.number().int().min(1).optional().describe('openai: longest reply in tokens (default 256); reasoning models count their hidden reasoning too, give them thousands'),
  maxTokensParam: z.enum(['max_tokens', 'max_completion_tokens']).optional().describe('openai: request field carrying --max-tokens (default max_tokens; OpenAI reasoning models want max_completion_tokens)'),
  omitParams: z.array(z.enum(['temperature', 'max_tokens', 'seed', 'logprobs'])).optional().describe('openai: request fields never sent, e.g. temperature for a model that accepts only its default'),
  extraBody: z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .optional()
    .describe('openai: JSON object merged into every request body, e.g. \'{"reasoning_effort":"low"}\''),
  systemPrompt: z.string().optional().describe('openai: a system message sent before every conversation'),
  logprobs: z.boolean().default(true).describe('openai: ask for first-token log-probabilities to score the options (a server that refuses them is asked once, then no more)'),
  jpegPassthrough: z.boolean().default(true).describe("openai: send a JPEG view file's own bytes instead of re-encoding it as PNG"),
  maxPixels: z.number().int().min(64).optional().describe('openai: shrink views larger than this many pixels (width × height, aspect kept) before sending'),
  askfirstHeaders: z.boolean().default(false).describe("openai: send askfirst's x-askfirst-* headers (episode id, turn, view, kind, history); only askfirst serve reads them, e.g. for --policy oracle behind serve"),
};

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

/** For --help: what the options marked "openai:" apply to (`judge`: the command has a --judge). */
export function openaiOnlyNote(judge: boolean): string {
  const client = judge ? ' (--concurrency, --timeout, --retries, --cache, --api-key-env, --api-key-header by a --judge too)' : '';
  return `Options marked "openai:" are read by an openai:URL#MODEL policy only${client}; given when nothing in the run reads them, they are refused, not ignored.`;
}

/** Settings of the HTTP client itself: read by an openai: policy and by the judge. */
const CLIENT_KEYS = ['concurrency', 'timeout', 'retries', 'cache', 'apiKeyEnv', 'apiKeyHeader'] as const;
/** Settings of the requests an openai: policy sends (the judge keeps its own). */
const REQUEST_KEYS = ['history', 'temperature', 'maxTokens', 'maxTokensParam', 'omitParams', 'extraBody', 'systemPrompt', 'logprobs', 'jpegPassthrough', 'maxPixels', 'askfirstHeaders'] as const;

/** The flag that sets `key` to `value` as the user typed it: --max-tokens, --no-logprobs. */
function flagOf(key: string, value: unknown): string {
  const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return value === false ? `--no-${kebab}` : `--${kebab}`;
}

/** The keys among `keys` that `o` sets away from their default (what the user gave, on the command line or in --config). */
function given(o: Partial<HttpCli>, keys: readonly (keyof typeof evalHttpFields)[]): string[] {
  return keys.filter((k) => o[k] !== undefined && JSON.stringify(o[k]) !== JSON.stringify(evalHttpFields[k].parse(undefined))).map((k) => flagOf(k, o[k]));
}

/**
 * Refuse remote-model settings that nothing in this run reads, rather than ignore them: request settings (--max-tokens,
 * --no-logprobs, --history …) are read by an openai: policy only, client settings (--concurrency, --timeout, --cache …)
 * by an openai: policy or the judge. `policies` are the policy specs of the run, `judge` whether a judge model is used.
 */
export function refuseUnreadHttpFlags(o: Partial<HttpCli>, policies: readonly string[], judge: boolean): void {
  if (policies.some((p) => p.startsWith('openai:'))) return;
  const which = policies.length === 1 ? `--policy ${policies[0]} is not one` : `none of the --policy values (${policies.join(', ')}) is one`;
  const request = given(o, REQUEST_KEYS);
  const client = judge ? [] : given(o, CLIENT_KEYS);
  const parts: string[] = [];
  if (request.length) parts.push(`${request.join(', ')} ${request.length === 1 ? 'sets' : 'set'} the requests of an openai:URL#MODEL policy only`);
  if (client.length) parts.push(`${client.join(', ')} ${client.length === 1 ? 'sets' : 'set'} the HTTP client of an openai:URL#MODEL policy or of a --judge only`);
  if (parts.length) throw new ConfigError(`${parts.join('; ')}, and ${which}${client.length ? ' (and no judge is used)' : ''}: leave ${request.length + client.length === 1 ? 'it' : 'them'} out, or use an openai: policy`);
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
export function httpOptions(o: HttpCli): Record<string, unknown> {
  const opts: Record<string, unknown> = { history: o.history };
  if (o.concurrency !== undefined) opts.concurrency = o.concurrency;
  if (o.timeout !== undefined) opts.timeoutMs = Math.max(1, Math.round(o.timeout * 1000));
  if (o.retries !== undefined) opts.retries = o.retries;
  if (o.cache !== undefined) opts.cacheDir = o.cache;
  if (o.apiKeyEnv !== undefined) opts.apiKeyEnv = o.apiKeyEnv;
  if (o.apiKeyHeader !== undefined) opts.apiKeyHeader = o.apiKeyHeader;
  return opts;
}

/** `--extra-body` as an object: a JSON string from the command line, or an object from a config file. */
export function parseExtraBody(v: string | Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (v === undefined || typeof v === 'object') return v;
  let j: unknown;
  try {
    j = JSON.parse(v);
  } catch (e) {
    throw new ConfigError(`--extra-body must be a JSON object, e.g. '{"reasoning_effort":"low"}'; got ${JSON.stringify(v.slice(0, 60))} (${(e as Error).message})`);
  }
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw new ConfigError(`--extra-body must be a JSON object, got ${JSON.stringify(v.slice(0, 60))}`);
  for (const k of ['model', 'messages']) if (k in (j as object)) throw new ConfigError(`--extra-body may not set "${k}" (askfirst sends it)`);
  return j as Record<string, unknown>;
}

/** The generation settings for the policy under test (openai: only), as HTTP-policy config keys. */
export function generationOptions(o: HttpCli): Record<string, unknown> {
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
  episodes: readonly SuiteEpisode[];
  loader: ViewLoader;
  policy: Policy;
  cli: HttpCli;
  out: string;
  run: Record<string, unknown>;
  overwrite: boolean;
  batchSize: number;
  sample: boolean;
  showProgress: boolean;
  signal: AbortSignal;
  title: string;
}): Promise<OpenRun> {
  const judge = new HttpJudge(a.cli.judge!, httpOptions(a.cli));
  try {
    const res = await evaluateOpenEnded({ ...a, judge, hint: a.cli.hint });
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
