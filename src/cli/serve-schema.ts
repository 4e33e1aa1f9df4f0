/** The settings of `askfirst serve`: light, read at startup for its options and --help (commands.ts). */
import { z } from 'zod';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONCURRENT, DEFAULT_MAX_MESSAGES } from '../server/openai/limits.js';
import { AllowHostSchema } from '../server/host-config.js';
import { policyForms } from '../agents/policy-usage.js';
import { onByDefault, progressField, seedField } from '../util/config.js';
import { evalHttpFields } from './eval-http-schema.js';

/**
 * The upstream client's settings serve takes from `askfirst eval`'s own fields (eval-http-schema.ts), the same zod
 * fields, so the two commands' flags cannot drift: read by an `openai:URL#MODEL` policy only, the upstream serve proxies
 * (serve.ts `upstreamOptions`). Left out, as they make no sense behind serve: --history (the client sends its own
 * conversation, and serve answers its last user turn), --temperature (the client's own is forwarded, 0 when it sends
 * none; an upstream that accepts only its default: --omit-params temperature), --no-logprobs (the client's own
 * `logprobs`/`top_logprobs` are forwarded, none when it asks none), --askfirst-headers (serve's episode facts are the
 * headers its client sent, or none), --judge, --judge-concurrency and --hint (eval's modes).
 */
export const SERVE_UPSTREAM_KEYS = ['concurrency', 'timeout', 'retries', 'cache', 'cacheMaxBytes', 'maxTokens', 'maxTokensParam', 'omitParams', 'extraBody', 'systemPrompt', 'jpegPassthrough', 'maxPixels'] as const;
const upstreamFields = {
  ...(Object.fromEntries(SERVE_UPSTREAM_KEYS.map((k) => [k, evalHttpFields[k]])) as Pick<typeof evalHttpFields, (typeof SERVE_UPSTREAM_KEYS)[number]>),
  // said of serve's side: the requests it makes of the upstream (not --max-concurrent's, the clients' it answers at once)
  concurrency: evalHttpFields.concurrency.describe("openai: requests in flight to the upstream at once (default 8), whichever clients they are for; the rest wait their turn. Not --max-concurrent, the clients' requests serve handles at once"),
  // the image is the one a client sent in its request (a JPEG's own bytes kept, scenes/codec.ts), not a view file
  jpegPassthrough: onByDefault(
    "openai: send a client's JPEG image upstream as its own bytes instead of re-encoding it as PNG",
    "openai: re-encode a client's JPEG image as PNG before sending it upstream (its own bytes are sent by default)",
  ),
  maxPixels: evalHttpFields.maxPixels.describe("openai: shrink a client's image larger than this many pixels (width × height, aspect kept) before sending it upstream"),
  maxTokens: evalHttpFields.maxTokens.describe("openai: token limit sent upstream with a request that gives none (default 256; a client's max_completion_tokens or max_tokens is forwarded instead); reasoning models count their hidden reasoning too, give them thousands"),
  // serve's own --api-key-env and --api-key are the key its clients must send: the upstream's are named apart
  upstreamApiKeyEnv: evalHttpFields.apiKeyEnv.describe("openai: environment variable holding the upstream's API key (default ASKFIRST_API_KEY, then OPENAI_API_KEY; one named here must be set); not --api-key-env, the key serve's own clients must send"),
  upstreamApiKeyHeader: evalHttpFields.apiKeyHeader.describe('openai: how the upstream\'s API key is sent: authorization ("Authorization: Bearer KEY", the default) or api-key ("api-key: KEY", Azure OpenAI\'s keys)'),
};
/** Every upstream setting's key, as ServeSchema names it. */
export const SERVE_UPSTREAM_FIELDS = Object.keys(upstreamFields) as (keyof typeof upstreamFields)[];

export const ServeSchema = z.object({
  policy: z.string().min(1).describe(`policy to serve: ${policyForms().join(', ')}`),
  port: z.number().int().min(0).max(65535).default(8000).describe('TCP port (0 picks a free one)'),
  host: z
    .string()
    .default('127.0.0.1')
    .describe('address to listen on (0.0.0.0 to accept other machines: the server speaks plain HTTP, so put a TLS-terminating reverse proxy in front, or the API key and images cross the network in the clear)'),
  ...AllowHostSchema.shape,
  data: z.string().optional().describe('episodes for policies that need them (oracle, scripted): suite DIR, suite:DIR or proactivebench:DIR'),
  progress: progressField('progress bars on stderr while --data is read (as eval shows them)'),
  modelName: z.string().min(1, { error: 'must not be empty: give the id clients send as "model", or leave --model-name out (the policy spec)' }).optional().describe('model id clients send as "model" (listed by /v1/models; any other is a 404; default: the policy spec, a builtin: or scripted: path cut to its last name so no folder of the server shows: builtin:runs/rl → builtin:rl, builtin:runs/rl/final → builtin:rl/final; a proxy\'s openai:URL#MODEL as the upstream\'s MODEL, its URL not shown)'),
  maxBatch: z.number().int().min(1).max(4096).default(64).describe('largest batch of observations (a request with n choices brings n) from concurrent requests handed to the policy at once (the built-in model at its default size: a batch of 4096 needs ~3 GiB of WASM memory, 4.8 GB resident, and took 70 s on 2 shared cores; from ~5,500 one operation would pass the 4 GiB WASM limit, hence the maximum)'),
  seed: seedField().default(0).describe('seed for stochastic policies (random, builtin:, openai:; refused with the others), and of the seeds sampled requests without a "seed" draw'),
  apiKey: z.string().min(1).optional().describe('require "Authorization: Bearer KEY" on every route but /healthz and /health (visible in the process list: prefer --api-key-env)'),
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .default('ASKFIRST_SERVE_API_KEY')
    .describe('environment variable holding the key to require, instead of --api-key (the default one is read when set; one named here must be set)'),
  maxBodyBytes: z.number().int().min(1024).default(DEFAULT_MAX_BODY_BYTES).describe('largest request body in bytes (413 beyond)'),
  maxConcurrent: z.number().int().min(1).max(100_000).default(DEFAULT_MAX_CONCURRENT).describe("most clients' requests handled at once (429 with Retry-After beyond); not --concurrency, an openai: policy's requests to its upstream"),
  maxMessages: z.number().int().min(1).default(DEFAULT_MAX_MESSAGES).describe('most entries in a request\'s "messages" (400 naming the field beyond; only the last user message\'s one image is decoded, any other image is not read)'),
  maxImagePixels: z.number().int().min(1).default(4_194_304).describe('largest width × height a request image may declare (refused before decoding)'),
  ...upstreamFields,
});
export type ServeConfig = z.output<typeof ServeSchema>;

/** Episodes from `--data` (askfirst suite or ProactiveBench layout), as `askfirst eval` reads them. */
