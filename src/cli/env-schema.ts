/** The settings of `askfirst env serve` (light: read at startup for its options and --help; see commands.ts). */
import { z } from 'zod';
import { REWARD_KINDS } from '../environment/rewards.js';
import { AllowHostSchema } from '../server/host-config.js';
import { DEFAULT_ENV_MAX_BODY_BYTES, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_QUEUED_MESSAGES, DEFAULT_MAX_REPLY_BYTES, DEFAULT_MAX_REWARD_ITEMS, DEFAULT_ENV_MAX_CONCURRENT } from '../server/env/limits.js';
import { progressField } from '../util/config.js';

export const EnvServeSchema = z.object({
  data: z.string().min(1).describe('episodes: DIR, suite:DIR or proactivebench:DIR'),
  kinds: z.array(z.string()).optional().describe('only these scenario kinds'),
  limit: z.number().int().min(1).optional().describe('at most this many episodes per kind'),
  progress: progressField('progress bars on stderr while --data is read (as eval shows them)'),
  port: z.number().int().min(0).max(65535).default(8000).describe('TCP port (0 picks a free one)'),
  host: z
    .string()
    .default('127.0.0.1')
    .describe('address to listen on (0.0.0.0 to accept other machines: the server speaks plain HTTP, so put a TLS-terminating reverse proxy in front)'),
  ...AllowHostSchema.shape,
  maxSessions: z.number().int().min(1).max(100000).default(64).describe('most sessions at once, WebSocket ones and HTTP MCP ones (OpenEnv max_concurrent_envs; ≥ the trainer\'s generation batch)'),
  sessionTimeout: z.number().min(0).default(600).describe('close a session after this many seconds without a message (0 = never)'),
  maxMessageBytes: z.number().int().min(1024).default(DEFAULT_MAX_MESSAGE_BYTES).describe('largest WebSocket message in bytes (beyond it the session is closed with code 1009, message too big)'),
  maxQueuedMessages: z.number().int().min(1).max(10000).default(DEFAULT_MAX_QUEUED_MESSAGES).describe('most WebSocket messages of one session waiting to be answered (uvicorn ws_max_queue); at it the socket is not read until one is answered'),
  maxQueuedBytes: z.number().int().min(1024).default(DEFAULT_MAX_QUEUED_BYTES).describe('most bytes of one WebSocket session\'s messages waiting to be answered; at it the socket is not read until one is answered'),
  maxReplyBytes: z.number().int().min(1024).default(DEFAULT_MAX_REPLY_BYTES).describe('largest reply of one step in bytes (beyond it a VALIDATION_ERROR, 422 on POST /step, and the session goes on; a session keeps its episode\'s replies until the next reset)'),
  maxBodyBytes: z.number().int().min(1024).default(DEFAULT_ENV_MAX_BODY_BYTES).describe('largest HTTP request body in bytes (POST /reset /step /get_reward /mcp; 413 beyond)'),
  maxConcurrent: z.number().int().min(1).max(100_000).default(DEFAULT_ENV_MAX_CONCURRENT).describe('most HTTP POST requests (/reset /step /get_reward /mcp) handled at once; more wait, bodies unread, for a slot (none is refused)'),
  maxRewardItems: z.number().int().min(1).max(10_000_000).default(DEFAULT_MAX_REWARD_ITEMS).describe('most items of one POST /get_reward (413 beyond; scoring holds the server\'s one thread, about 30 µs an item)'),
  reward: z.enum(REWARD_KINDS).optional().describe('askfirst (multi-turn, paid when the episode ends) or proactivebench (single-turn r_c/r_p/r_w every step); default askfirst'),
  weights: z.string().optional().describe('askfirst reward weights, e.g. correct=1,wrong=-0.5,interventions=-0.05'),
  rc: z.number().optional().describe('proactivebench: reward for the correct category (default 1)'),
  rp: z.number().optional().describe('proactivebench: reward for a valid intervention (default 0.5)'),
  rw: z.number().optional().describe('proactivebench: reward for anything else (default 0)'),
  rewardConfig: z.string().optional().describe('JSON file {reward, weights, rc, rp, rw}; flags override it'),
});
export type EnvServeConfig = z.output<typeof EnvServeSchema>;
