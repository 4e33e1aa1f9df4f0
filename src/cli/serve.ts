/**
 * `askfirst serve --policy SPEC --port N`: expose any Policy (the built-in model
 * `builtin:CHECKPOINT`, a baseline, even another `openai:` endpoint) as an OpenAI-compatible
 * endpoint — POST /v1/chat/completions with the image as a data URL, GET /v1/models,
 * GET /healthz — so any OpenAI client can talk to it (see src/server/openai/server.ts); requests
 * name the model `--model-name` (default: the policy spec), as `openai:URL#MODEL` does.
 * `--data` supplies episodes for policies that need them (oracle, scripted).
 * `--api-key` (or the variable named by `--api-key-env`) protects every route but /healthz;
 * listening beyond this machine without one prints a warning.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { createPolicy, policyUsage } from '../agents/registry.js';
import type { SuiteEpisode } from '../suite/types.js';
import { loadData } from '../suite/open.js';
import { InputError } from '../util/errors.js';
import { setImageLimits } from '../scenes/image-limits.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONCURRENT, isLoopback, startOpenAIServer, type RunningServer } from '../server/openai/server.js';
import { untilStopped } from './signals.js';
import { addSchemaOptions, configFromOptions } from './options.js';

export const ServeSchema = z.object({
  policy: z.string().min(1).describe('policy to serve: builtin:CHECKPOINT, oracle, random[:SEED], scripted:FILE, openai:URL#MODEL'),
  port: z.number().int().min(0).max(65535).default(8000).describe('TCP port (0 picks a free one)'),
  host: z.string().default('127.0.0.1').describe('address to listen on (0.0.0.0 to accept other machines)'),
  data: z.string().optional().describe('episodes for policies that need them (oracle, scripted): suite DIR, suite:DIR or proactivebench:DIR'),
  modelName: z.string().optional().describe('model id clients send as "model" (listed by /v1/models; any other is a 404; default: the policy spec)'),
  maxBatch: z.number().int().min(1).max(4096).default(64).describe('largest batch of concurrent requests handed to the policy at once'),
  seed: z.number().int().default(0).describe('seed for stochastic policies'),
  apiKey: z.string().min(1).optional().describe('require "Authorization: Bearer KEY" on every route but /healthz (visible in the process list: prefer --api-key-env)'),
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .default('ASKFIRST_SERVE_API_KEY')
    .describe('environment variable holding the key to require, when --api-key is not given'),
  maxBodyBytes: z.number().int().min(1024).default(DEFAULT_MAX_BODY_BYTES).describe('largest request body in bytes (413 beyond)'),
  maxConcurrent: z.number().int().min(1).max(100_000).default(DEFAULT_MAX_CONCURRENT).describe('most requests handled at once (429 with Retry-After beyond)'),
  maxImagePixels: z.number().int().min(1).default(4_194_304).describe('largest width × height a request image may declare (refused before decoding)'),
});
export type ServeConfig = z.output<typeof ServeSchema>;

/** Episodes from `--data` (askfirst suite or ProactiveBench layout), as `askfirst eval` reads them. */
export async function loadServeEpisodes(data: string | undefined, warn: (msg: string) => void = console.error): Promise<SuiteEpisode[]> {
  if (!data) return [];
  const d = await loadData(data);
  if (d.skipped.length) warn(`${d.skipped.length} entries of ${d.dir} could not be read and are left out, e.g. ${d.skipped[0].reason}`);
  return d.episodes;
}

/** Start serving; resolves once listening. */
export async function runServe(cfg: ServeConfig, log?: (msg: string) => void): Promise<RunningServer & { policyName: string; model: string; protectedByKey: boolean }> {
  const warn = log ?? ((m: string) => console.error(`askfirst serve: warning: ${m}`));
  const episodes = await loadServeEpisodes(cfg.data, warn);
  if ((cfg.policy === 'oracle' || cfg.policy.startsWith('oracle:')) && !episodes.length) {
    throw new InputError('the oracle needs the episodes it will be asked about: add --data DIR');
  }
  setImageLimits({ maxPixels: cfg.maxImagePixels });
  const envKey = process.env[cfg.apiKeyEnv]?.trim();
  const apiKey = cfg.apiKey ?? (envKey ? envKey : undefined);
  if (!apiKey && !isLoopback(cfg.host)) {
    warn(`listening on ${cfg.host} without an API key: anyone who can reach this machine can use the policy${cfg.policy.startsWith('openai:') ? ' (and spend the upstream API key)' : ''}; set ${cfg.apiKeyEnv} or pass --api-key`);
  }
  const policy = await createPolicy(cfg.policy, { episodes, seed: cfg.seed });
  const model = cfg.modelName ?? cfg.policy;
  const srv = await startOpenAIServer({
    policy,
    port: cfg.port,
    host: cfg.host,
    modelName: model,
    maxBatch: cfg.maxBatch,
    apiKey,
    maxBodyBytes: cfg.maxBodyBytes,
    maxConcurrent: cfg.maxConcurrent,
  });
  return {
    ...srv,
    policyName: policy.name,
    model,
    protectedByKey: apiKey !== undefined,
    close: async () => {
      await srv.close();
      await policy.close?.();
    },
  };
}

export function register(program: Command): void {
  const cmd = program
    .command('serve')
    .description('serve a policy (e.g. builtin:CHECKPOINT) as an OpenAI-compatible chat-completions endpoint')
    .addHelpText('after', `\nPolicies:\n  ${policyUsage().join('\n  ')}\n\nExample:\n  askfirst serve --policy builtin:runs/rl --port 8000\n  curl http://127.0.0.1:8000/v1/models`);
  addSchemaOptions(cmd, ServeSchema);
  cmd.action(async (raw: Record<string, unknown>) => {
    const cfg = configFromOptions(ServeSchema, raw, 'serve');
    const srv = await runServe(cfg);
    await untilStopped(() => srv.close(), () => console.log(`askfirst serve: ${srv.policyName} as model ${JSON.stringify(srv.model)} at ${srv.url} (POST /v1/chat/completions, GET /v1/models, GET /healthz)${srv.protectedByKey ? ', API key required' : ''}; Ctrl-C stops`));
  });
}
