/**
 * `askfirst env serve`: askfirst's episodes as an OpenEnv-compatible environment server (WebSocket
 * sessions at /ws, stateless POST /reset and /step, /health, /schema, /metadata, POST /mcp,
 * /openapi.json) with OpenRLHF's remote reward endpoint at POST /get_reward, so TRL, verl and
 * OpenRLHF train real VLMs on our episodes and rewards (src/server/env/server.ts; docs/environment-server.md).
 */
import type { Command } from 'commander';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { EpisodePool } from '../environment/episodes.js';
import { loadRewardConfig, parseWeights, REWARD_KINDS, Rewarder } from '../environment/rewards.js';
import { startEnvServer, type RunningEnvServer } from '../server/env/server.js';
import { loadData } from '../suite/open.js';
import { untilStopped } from './signals.js';
import { addSchemaOptions, commandGroup, configFromOptions } from './options.js';

export const EnvServeSchema = z.object({
  data: z.string().min(1).describe('episodes: DIR, suite:DIR or proactivebench:DIR'),
  kinds: z.array(z.string()).optional().describe('only these scenario kinds'),
  limit: z.number().int().min(1).optional().describe('at most this many episodes per kind'),
  port: z.number().int().min(0).max(65535).default(8000).describe('TCP port (0 picks a free one)'),
  host: z.string().default('127.0.0.1').describe('address to listen on (0.0.0.0 to accept other machines)'),
  maxSessions: z.number().int().min(1).max(100000).default(64).describe('most WebSocket sessions at once (OpenEnv max_concurrent_envs; ≥ the trainer\'s generation batch)'),
  sessionTimeout: z.number().min(0).default(600).describe('close a session after this many seconds without a message (0 = never)'),
  reward: z.enum(REWARD_KINDS).optional().describe('askfirst (multi-turn, paid when the episode ends) or proactivebench (single-turn r_c/r_p/r_w every step); default askfirst'),
  weights: z.string().optional().describe('askfirst reward weights, e.g. correct=1,wrong=-0.5,interventions=-0.05'),
  rc: z.number().optional().describe('proactivebench: reward for the correct category (default 1)'),
  rp: z.number().optional().describe('proactivebench: reward for a valid intervention (default 0.5)'),
  rw: z.number().optional().describe('proactivebench: reward for anything else (default 0)'),
  rewardConfig: z.string().optional().describe('JSON file {reward, weights, rc, rp, rw}; flags override it'),
});
export type EnvServeConfig = z.output<typeof EnvServeSchema>;

const require = createRequire(import.meta.url);

export async function runEnvServe(cfg: EnvServeConfig): Promise<RunningEnvServer & { episodes: number; reward: string }> {
  const rewardCfg = loadRewardConfig(cfg.rewardConfig, { reward: cfg.reward, weights: cfg.weights ? parseWeights(cfg.weights) : undefined, rc: cfg.rc, rp: cfg.rp, rw: cfg.rw });
  const data = await loadData(cfg.data, { kinds: cfg.kinds, limit: cfg.limit });
  const pool = new EpisodePool(data.episodes, data.loader);
  const version = (require('../../package.json') as { version: string }).version;
  const srv = await startEnvServer({ pool, rewarder: new Rewarder(rewardCfg), maxSessions: cfg.maxSessions, sessionTimeout: cfg.sessionTimeout, port: cfg.port, host: cfg.host, version });
  return { ...srv, episodes: data.episodes.length, reward: rewardCfg.reward === 'askfirst' ? 'askfirst (multi-turn)' : `proactivebench (r_c=${rewardCfg.rc}, r_p=${rewardCfg.rp}, r_w=${rewardCfg.rw})` };
}

export function register(program: Command): void {
  const env = commandGroup(program, 'env', 'askfirst as the environment and reward of external trainers (TRL, verl, OpenRLHF)');
  const cmd = env
    .command('serve')
    .description('serve episodes as an OpenEnv-compatible environment (WebSocket /ws, POST /reset /step) and an OpenRLHF reward endpoint (POST /get_reward)')
    .addHelpText('after', '\nExample:\n  askfirst suite generate --out suite --episodes 70\n  askfirst env serve --data suite --port 8000 --reward proactivebench --rp 0.5\n  curl http://127.0.0.1:8000/health\nSee docs/environment-server.md and integrations/.');
  addSchemaOptions(cmd, EnvServeSchema);
  cmd.action(async (raw: Record<string, unknown>) => {
    const cfg = configFromOptions(EnvServeSchema, raw, 'env serve');
    const srv = await runEnvServe(cfg);
    await untilStopped(() => srv.close(), () => console.log(`askfirst env serve: ${srv.episodes} episodes at ${srv.url} (ws ${srv.url.replace(/^http/, 'ws')}/ws, POST /reset /step /get_reward), reward ${srv.reward}, up to ${cfg.maxSessions} sessions; Ctrl-C stops`));
  });
}
