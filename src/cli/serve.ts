/**
 * `askfirst serve --policy SPEC --port N`: expose any Policy (the built-in model
 * `builtin:CHECKPOINT`, a baseline, even another `openai:` endpoint) as an OpenAI-compatible
 * endpoint — POST /v1/chat/completions with the image as a data URL, GET /v1/models,
 * GET /healthz — so any OpenAI client can talk to it (see src/server/openai/server.ts).
 * `--data` supplies episodes for policies that need them (oracle, scripted).
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { createPolicy } from '../agents/registry.js';
import type { SuiteEpisode } from '../suite/types.js';
import { loadData } from '../suite/open.js';
import { InputError } from '../util/errors.js';
import { startOpenAIServer, type RunningServer } from '../server/openai/server.js';
import { untilStopped } from './until-stopped.js';
import { addSchemaOptions, configFromOptions } from './options.js';

export const ServeSchema = z.object({
  policy: z.string().min(1).describe('policy to serve: builtin:CHECKPOINT, oracle, random[:SEED], scripted:FILE, openai:URL#MODEL'),
  port: z.number().int().min(0).max(65535).default(8000).describe('TCP port (0 picks a free one)'),
  host: z.string().default('127.0.0.1').describe('address to listen on (0.0.0.0 to accept other machines)'),
  data: z.string().optional().describe('episodes for policies that need them (oracle, scripted): suite DIR, suite:DIR or proactivebench:DIR'),
  modelName: z.string().optional().describe('model id listed by /v1/models (default: the policy spec)'),
  maxBatch: z.number().int().min(1).max(4096).default(64).describe('largest batch of concurrent requests handed to the policy at once'),
  seed: z.number().int().default(0).describe('seed for stochastic policies'),
});
export type ServeConfig = z.output<typeof ServeSchema>;

/** Episodes from `--data` (askfirst suite or ProactiveBench layout), as `askfirst eval` reads them. */
export async function loadServeEpisodes(data: string | undefined): Promise<SuiteEpisode[]> {
  if (!data) return [];
  return (await loadData(data)).episodes;
}

/** Start serving; resolves once listening. */
export async function runServe(cfg: ServeConfig): Promise<RunningServer & { policyName: string }> {
  const episodes = await loadServeEpisodes(cfg.data);
  if ((cfg.policy === 'oracle' || cfg.policy.startsWith('oracle:')) && !episodes.length) {
    throw new InputError('the oracle needs the episodes it will be asked about: add --data DIR');
  }
  const policy = await createPolicy(cfg.policy, { episodes, seed: cfg.seed });
  const srv = await startOpenAIServer({ policy, port: cfg.port, host: cfg.host, modelName: cfg.modelName ?? cfg.policy, maxBatch: cfg.maxBatch });
  return {
    ...srv,
    policyName: policy.name,
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
    .addHelpText('after', '\nExample:\n  askfirst serve --policy builtin:runs/rl --port 8000\n  curl http://127.0.0.1:8000/v1/models');
  addSchemaOptions(cmd, ServeSchema);
  cmd.action(async (raw: Record<string, unknown>) => {
    const cfg = configFromOptions(ServeSchema, raw, 'serve');
    const srv = await runServe(cfg);
    console.log(`askfirst serve: ${srv.policyName} at ${srv.url} (POST /v1/chat/completions, GET /v1/models, GET /healthz); Ctrl-C stops`);
    await untilStopped(() => srv.close());
  });
}
