/** The remote-model and open-ended options of `askfirst eval` (and the probes): light, read at startup for their options and --help. */
import { z } from 'zod';
import { onByDefault, outPathField } from '../util/config.js';
import { EVAL_MODES } from '../episode/types.js';
import { OMITTABLE_PARAMS } from '../agents/http/config.js';

export const EVAL_MODE_NAMES = [...EVAL_MODES, 'mcqa', 'open'] as const;

/** Fields added to the eval command's schema. */
export const evalHttpFields = {
  judge: z.string().optional().describe('judge model for --mode open: openai:URL#MODEL (any OpenAI-compatible endpoint)'),
  // the judge's own bound (a judge endpoint with its own rate limit); probe hallucination's too. Its rules: eval-http.ts refuseUnreadJudgeConcurrency
  judgeConcurrency: z.number().int().min(1).max(1024).optional().describe("the --judge's requests in flight at once (default: --concurrency's, else 8)"),
  hint: z.boolean().default(false).describe('hints on: proactive/mcqa runs as hint mode; open mode adds a sentence inviting the model to say what would help; the reference mode has none (refused with --mode reference alone)'),
  history: z.boolean().default(false).describe('openai: send earlier turns (with their images) as conversation history'),
  // which side it bounds: the requests to the model's server (serve says the same of its upstream, serve-schema.ts)
  concurrency: z.number().int().min(1).max(1024).optional().describe("openai: requests in flight to the model's server at once (default 8); the rest wait their turn. Not --batch-size, which bounds what is in play at once"),
  timeout: z.number().positive().optional().describe('openai: per-request timeout in seconds (default 120)'),
  retries: z.number().int().min(0).max(100).optional().describe('openai: retries per request on 429/5xx/network errors/timeouts/malformed replies (default 6)'),
  cache: outPathField().optional().describe('openai: response cache directory; repeated greedy requests are answered from it'),
  cacheMaxBytes: z.number().int().min(1).optional().describe('openai: most bytes the --cache folder keeps (default 1073741824, 1 GiB); past it the entries used longest ago are deleted'),
  apiKeyEnv: z.string().optional().describe('openai: environment variable holding the API key (default ASKFIRST_API_KEY, then OPENAI_API_KEY; one named here must be set); the key is never printed or written'),
  apiKeyHeader: z
    .enum(['authorization', 'api-key'])
    .optional()
    .describe('openai: how the API key is sent: authorization ("Authorization: Bearer KEY", the default; OpenAI, vLLM, most servers) or api-key ("api-key: KEY", Azure OpenAI\'s keys)'),
  // Generation settings (openai: policies; the judge keeps its own defaults).
  temperature: z.number().min(0).max(2).optional().describe('openai: temperature sent with every request (default 0 when greedy, 1 with --sample); reasoning models accept only 1'),
  maxTokens: z.number().int().min(1).optional().describe('openai: longest reply in tokens (default 256); reasoning models count their hidden reasoning too, give them thousands'),
  maxTokensParam: z.enum(['max_tokens', 'max_completion_tokens']).optional().describe('openai: request field carrying --max-tokens (default max_tokens; OpenAI reasoning models want max_completion_tokens)'),
  omitParams: z.array(z.enum(OMITTABLE_PARAMS)).optional().describe('openai: request fields never sent, e.g. temperature for a model that accepts only its default'),
  extraBody: z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .optional()
    .describe('openai: JSON object merged into every request body, e.g. \'{"reasoning_effort":"low"}\''),
  systemPrompt: z.string().optional().describe('openai: a system message sent before every conversation'),
  logprobs: onByDefault(
    'openai: ask for first-token log-probabilities to score the options (a server that refuses them is asked once, then no more)',
    'openai: do not ask for first-token log-probabilities to score the options (asked for by default; a server that refuses them is asked once, then no more)',
  ),
  jpegPassthrough: onByDefault(
    "openai: send a JPEG view file's own bytes instead of re-encoding it as PNG",
    "openai: re-encode a JPEG view file as PNG instead of sending its own bytes (sent as they are by default)",
  ),
  maxPixels: z.number().int().min(64).optional().describe('openai: shrink views larger than this many pixels (width × height, aspect kept) before sending'),
  askfirstHeaders: z.boolean().default(false).describe("openai: send askfirst's x-askfirst-* headers (episode id, turn, view, kind, history); only askfirst serve reads them, e.g. for --policy oracle behind serve"),
};

/** For --help: what the options marked "openai:" apply to (`judge`: the command has a --judge, and a --judge-concurrency with it). */
export function openaiOnlyNote(judge: boolean): string {
  const client = judge ? ` (--concurrency unless --judge-concurrency is given, --timeout, --retries, --cache, --cache-max-bytes, --api-key-env, --api-key-header by a --judge too)` : '';
  return `Options marked "openai:" are read by an openai:URL#MODEL policy only${client}; given when nothing in the run reads them, they are refused, not ignored.`;
}
