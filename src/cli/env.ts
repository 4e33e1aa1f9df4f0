/**
 * `askfirst env serve`: askfirst's episodes as an OpenEnv-compatible environment server (WebSocket
 * sessions at /ws, stateless POST /reset and /step, /health, /schema, /metadata, POST /mcp and the /mcp WebSocket,
 * /openapi.json) with OpenRLHF's remote reward endpoint at POST /get_reward, so TRL, verl and
 * OpenRLHF train real VLMs on our episodes and rewards (src/server/env/server.ts; docs/environment-server.md).
 */
import { createRequire } from 'node:module';
import { EpisodePool } from '../environment/episodes.js';
import { loadRewardConfig, parseWeights, Rewarder } from '../environment/rewards.js';
import { startEnvServer, type RunningEnvServer } from '../server/env/server.js';
import { indexData } from '../suite/open.js';
import { serveUntilStopped } from './signals.js';
import { configFromOptions, refuseUnread } from './options.js';
import { isLoopbackHost } from '../server/host-check.js';
import { EnvServeSchema, type EnvServeConfig } from './env-schema.js';


const require = createRequire(import.meta.url);

export async function runEnvServe(cfg: EnvServeConfig, warn?: (msg: string) => void): Promise<RunningEnvServer & { episodes: number; reward: string }> {
  const rewardCfg = loadRewardConfig(cfg.rewardConfig, { reward: cfg.reward, weights: cfg.weights ? parseWeights(cfg.weights) : undefined, rc: cfg.rc, rp: cfg.rp, rw: cfg.rw });
  // the episodes' ids and kinds are held, each episode read again from its line when a reset chooses it (an askfirst
  // suite: indexData; docs/hardening.md, "Memory on large data")
  const data = await indexData(cfg.data, { kinds: cfg.kinds, limit: cfg.limit, progress: cfg.progress });
  const pool = new EpisodePool(data, data.loader);
  const version = (require('../../package.json') as { version: string }).version;
  let srv: RunningEnvServer;
  try {
    srv = await startEnvServer({ pool, rewarder: new Rewarder(rewardCfg), maxSessions: cfg.maxSessions, sessionTimeout: cfg.sessionTimeout, maxMessageBytes: cfg.maxMessageBytes, maxQueuedMessages: cfg.maxQueuedMessages, maxQueuedBytes: cfg.maxQueuedBytes, maxReplyBytes: cfg.maxReplyBytes, maxBodyBytes: cfg.maxBodyBytes, maxRewardItems: cfg.maxRewardItems, maxConcurrent: cfg.maxConcurrent, port: cfg.port, host: cfg.host, allowHosts: cfg.allowHost, version, ...(warn ? { warn } : {}) });
  } catch (e) {
    await data.close();
    throw e;
  }
  // the suite's file is closed once the server is (stopped, or closed after a stop: once)
  let closed: Promise<void> | undefined;
  const closeData = () => (closed ??= data.close());
  const { close, stop } = srv;
  return {
    ...srv,
    close: () => close().finally(closeData),
    stop: () => stop().finally(closeData),
    episodes: data.entries.length,
    reward: rewardCfg.reward === 'askfirst' ? 'askfirst (multi-turn)' : `proactivebench (r_c=${rewardCfg.rc}, r_p=${rewardCfg.rp}, r_w=${rewardCfg.rw})`,
  };
}

/** The action of `askfirst env serve` (env-command.ts): serve until Ctrl-C. */
export async function envServeAction(raw: Record<string, unknown>): Promise<void> {
  const cfg = configFromOptions(EnvServeSchema, raw, 'env serve');
  if (!isLoopbackHost(cfg.host)) refuseUnread(EnvServeSchema, raw, { keys: ['allowHost'], readBy: 'read with a loopback --host only (a server on another address answers any Host)' }, `with --host ${cfg.host}`);
  const srv = await runEnvServe(cfg);
  await serveUntilStopped({ name: 'askfirst env serve', closed: 'sessions and connections closed', inFlight: srv.inFlight }, () => srv.stop(), () => console.log(`askfirst env serve: ${srv.episodes} episode${srv.episodes === 1 ? '' : 's'} at ${srv.url} (ws ${srv.url.replace(/^http/, 'ws')}/ws and /mcp, POST /reset /step /mcp /get_reward), reward ${srv.reward}, up to ${cfg.maxSessions} sessions; Ctrl-C stops`));
}
