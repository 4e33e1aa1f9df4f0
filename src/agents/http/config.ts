/**
 * Configuration of the OpenAI-compatible HTTP policy: the model spec `openai:URL#MODEL`
 * (e.g. `openai:http://127.0.0.1:11434/v1#qwen2.5vl:7b`) plus a typed, validated config
 * (docs/architecture.md §6.3). The API key is never part of the config: only the *name* of the
 * environment variable that holds it, so configs and run descriptions can be written freely.
 */
import { z } from 'zod';
import { resolveConfig } from '../../util/config.js';
import { InputError } from '../../util/errors.js';
import { DEFAULT_CACHE_MAX_BYTES } from './cache.js';

/** The request fields `--omit-params` can leave out (max_tokens covers either spelling); every one requestBody (policy.ts) may send. */
export const OMITTABLE_PARAMS = ['temperature', 'top_p', 'max_tokens', 'seed', 'logprobs'] as const;

export const httpPolicySchema = z.object({
  /** Base URL of the API, up to and including the version path ("http://127.0.0.1:11434/v1"). */
  baseUrl: z.string().url().describe('base URL of the OpenAI-compatible API (…/v1)'),
  /** Model name sent in every request. */
  model: z.string().min(1).describe('model name sent in every request'),
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .default('ASKFIRST_API_KEY')
    .describe('environment variable holding the API key (falls back to OPENAI_API_KEY); the key is never printed or written'),
  apiKeyHeader: z
    .enum(['authorization', 'api-key'])
    .default('authorization')
    .describe('how the API key is sent: authorization ("Authorization: Bearer KEY": OpenAI, vLLM, most servers) or api-key ("api-key: KEY": Azure OpenAI\'s keys)'),
  keyFlagPrefix: z.enum(['', 'upstream-']).default('').describe('how the options naming the key begin in advice on a refused key: "" (--api-key-env, eval) or "upstream-" (--upstream-api-key-env, serve as a proxy)'),
  concurrency: z.number().int().min(1).max(1024).default(8).describe('requests in flight at once'),
  timeoutMs: z.number().int().min(1).default(120_000).describe('per-request timeout in milliseconds'),
  retries: z.number().int().min(0).max(100).default(6).describe('retries per request on 429/5xx/network errors/timeouts/malformed replies'),
  backoffMs: z.number().min(0).default(500).describe('first retry delay in milliseconds (doubles each retry, with jitter)'),
  maxBackoffMs: z.number().min(0).default(30_000).describe('longest backoff between retries (a Retry-After from the server is honoured up to 10 minutes, one shorter than the first retry delay waits the client’s own backoff; a wait of 10 s or more is said on stderr)'),
  history: z.boolean().default(false).describe('send earlier turns of the episode (with their images) as conversation history'),
  logprobs: z.boolean().default(true).describe('request log-probabilities (top_logprobs) and turn them into per-option scores'),
  topLogprobs: z.number().int().min(1).max(20).default(10).describe('how many alternatives per token to request'),
  temperature: z.number().min(0).max(2).default(1).describe('temperature when sampling (greedy requests use 0)'),
  greedyTemperature: z.number().min(0).max(2).default(0).describe('temperature sent with greedy requests (reasoning models accept only their default, 1)'),
  maxTokens: z.number().int().min(1).default(256).describe('longest reply in tokens (reasoning models need thousands: their hidden reasoning counts too)'),
  maxTokensParam: z
    .enum(['max_tokens', 'max_completion_tokens'])
    .default('max_tokens')
    .describe('request field that carries --max-tokens: max_tokens (most servers) or max_completion_tokens (OpenAI reasoning models, o-series)'),
  omitParams: z
    .array(z.enum(OMITTABLE_PARAMS))
    .default([])
    .describe('request fields never sent (e.g. temperature for models that accept only their default; max_tokens covers either spelling)'),
  extraBody: z.record(z.string(), z.unknown()).default({}).describe('extra request-body fields merged into every request, e.g. {"reasoning_effort":"low"}'),
  systemPrompt: z.string().optional().describe('optional system message sent first'),
  jpegPassthrough: z.boolean().default(true).describe("send a JPEG view file's own bytes instead of re-encoding it as PNG (uncropped, unresized views only)"),
  maxPixels: z.number().int().min(64).optional().describe('shrink views larger than this many pixels (width × height) before sending, keeping the aspect ratio'),
  askfirstHeaders: z
    .boolean()
    .default(false)
    .describe('send x-askfirst-* headers (episode id, turn, view, kind, history) with each request; only askfirst serve reads them'),
  cacheDir: z.string().optional().describe('directory of the content-addressed response cache (greedy requests only)'),
  cacheMaxBytes: z
    .number()
    .int()
    .min(1)
    .default(DEFAULT_CACHE_MAX_BYTES)
    .describe('most bytes the response cache keeps (default 1 GiB): past it the entries used longest ago are deleted (cache.ts)'),
  seed: z.number().int().optional().describe('seed sent with sampled requests, where the server supports it'),
});

export type HttpPolicyConfig = z.output<typeof httpPolicySchema>;

/** Split `URL#MODEL` (the part after `openai:`); the URL keeps its path, without a trailing slash. */
export function parseOpenAISpec(arg: string | undefined): { baseUrl: string; model: string } {
  const usage = 'use openai:URL#MODEL, e.g. openai:http://127.0.0.1:11434/v1#qwen2.5vl:7b';
  if (!arg) throw new InputError(`the openai policy needs an endpoint and a model; ${usage}`);
  const i = arg.indexOf('#');
  if (i < 0) throw new InputError(`"${arg}" has no "#MODEL" part; ${usage}`);
  const baseUrl = arg.slice(0, i).replace(/\/+$/, '');
  const model = arg.slice(i + 1);
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    throw new InputError(`"${baseUrl}" is not a URL; ${usage}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InputError(`"${baseUrl}" must be http(s); ${usage}`);
  if (u.username || u.password) throw new InputError('put credentials in the API-key environment variable, not in the URL');
  if (!model) throw new InputError(`empty model name; ${usage}`);
  return { baseUrl, model };
}

export function resolveHttpPolicyConfig(partial: Partial<HttpPolicyConfig>): HttpPolicyConfig {
  return resolveConfig(httpPolicySchema, partial, 'HTTP policy');
}

/** The API key from the environment (the named variable, then OPENAI_API_KEY), or undefined. */
export function apiKeyFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env[name] ?? env.OPENAI_API_KEY;
  return v && v.trim() ? v.trim() : undefined;
}
