/**
 * The recipes' askfirst-facing Python (integrations/trl, integrations/verl and the shared client)
 * run with a fake model against a live `askfirst env serve` — /usr/bin/python3 with only the
 * standard library and Debian's python3-websockets, no TRL, verl or GPU. Every episode those
 * paths played, and every reward the TRL reward function returned, is replayed here in process
 * (src/episode/state.ts, src/environment/rewards.ts) and must agree exactly.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalView, EpisodePool } from '../src/environment/episodes.js';
import { resolveRewardConfig, Rewarder } from '../src/environment/rewards.js';
import { exportTrl, trlRows, type TrlRow } from '../src/environment/trl-export.js';
import { parseReply } from '../src/episode/parse.js';
import { shownOptions } from '../src/episode/prompt.js';
import { EpisodeState } from '../src/episode/state.js';
import { startEnvServer, type RunningEnvServer } from '../src/server/env/server.js';
import { generateSuite } from '../src/suite/generate.js';
import { memoryLoader } from '../src/suite/loader.js';
import type { SuiteEpisode } from '../src/suite/types.js';
import { tmpDir } from '../src/testing/tmp.js';
import { hasPythonWebsockets, requireDep, SYSTEM_PYTHON } from '../src/testing/system-deps.js';

const run = promisify(execFile);
const skip = requireDep(hasPythonWebsockets(), 'python3-websockets for /usr/bin/python3');
const root = resolve(import.meta.dirname, '..');
const MAX_SESSIONS = 32;

interface Played {
  episode_id: string;
  replies: string[];
  outcome: string;
  reward: number;
}

describe.skipIf(skip !== null)('integrations/ recipes (Python, fake model) against env serve', () => {
  let episodes: SuiteEpisode[];
  let srv: RunningEnvServer;
  let shortTimeout: RunningEnvServer; // --session-timeout 1: for a client that must reconnect
  const rewarder = new Rewarder(resolveRewardConfig({}));
  beforeAll(async () => {
    episodes = generateSuite({ episodes: 6, seed: 4, size: 32 });
    srv = await startEnvServer({ pool: new EpisodePool(episodes, memoryLoader), rewarder, maxSessions: MAX_SESSIONS, sessionTimeout: 60, port: 0 });
    shortTimeout = await startEnvServer({ pool: new EpisodePool(episodes, memoryLoader), rewarder, maxSessions: 4, sessionTimeout: 1, port: 0 });
  });
  afterAll(async () => {
    await srv.close();
    await shortTimeout.close();
  });

  it('TRL reward function, TRL environment_factory and rollout_func, verl interaction: outcomes and rewards equal in-process replays', async () => {
    const dir = tmpDir('askfirst-recipes');
    const out = join(dir, 'played.json');
    const trl = join(dir, 'trl'); // what make_verl_data.py converts
    await exportTrl(episodes, memoryLoader, { out: trl, turns: 'first', parquet: false });
    const r = await run(SYSTEM_PYTHON, ['-m', 'unittest', '-v', 'integrations/tests/test_recipes.py'], { cwd: root, env: { ...process.env, ASKFIRST_ENV_URL: srv.url, ASKFIRST_TEST_OUT: out, ASKFIRST_TEST_MAX_SESSIONS: String(MAX_SESSIONS), ASKFIRST_TEST_TRL_DIR: trl, ASKFIRST_TEST_SHORT_TIMEOUT_URL: shortTimeout.url, PYTHONDONTWRITEBYTECODE: '1' }, timeout: 120_000 });
    expect(r.stderr).toMatch(/\nOK\s*$/);
    const played = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown[]>;
    const byId = new Map(episodes.map((e) => [e.id, e]));

    const items = played.reward_items as { label: { episode_id: string; turn: number }; reply: string; reward: number }[];
    expect(items.length).toBe(20);
    for (const it of items) {
      const ep = byId.get(it.label.episode_id)!;
      const view = canonicalView(ep, it.label.turn)!;
      expect(it.reward).toBe(rewarder.singleTurn(parseReply(it.reply, shownOptions(ep, view, 'proactive'))));
    }
    for (const path of ['tool_env', 'rollout', 'verl']) {
      const eps = played[path] as Played[];
      expect(eps.length, path).toBeGreaterThan(3);
      for (const p of eps) {
        const s = new EpisodeState(byId.get(p.episode_id)!, 'proactive');
        for (const reply of p.replies) s.step(reply);
        expect(s.done, `${path} ${p.episode_id}`).toBe(true);
        const rec = s.record();
        expect({ outcome: p.outcome, reward: p.reward }, `${path} ${p.episode_id}`).toEqual({ outcome: rec.outcome, reward: rewarder.episode(rec).total });
      }
    }
  }, 180_000);

  it('OpenRLHF agent (integrations/openrlhf/askfirst_agent.py) under a stand-in of its MultiTurnAgentExecutor: outcomes and rewards equal in-process replays', async () => {
    const dir = tmpDir('askfirst-openrlhf-agent');
    const out = join(dir, 'played.json');
    const trl = join(dir, 'trl'); // the rows OpenRLHF reads: one per episode, its first state
    await exportTrl(episodes, memoryLoader, { out: trl, turns: 'first', parquet: false });
    const r = await run(SYSTEM_PYTHON, ['-m', 'unittest', '-v', 'integrations/tests/test_openrlhf_agent.py'], { cwd: root, env: { ...process.env, ASKFIRST_ENV_URL: srv.url, ASKFIRST_TEST_OUT: out, ASKFIRST_TEST_TRL_DIR: trl, PYTHONDONTWRITEBYTECODE: '1' }, timeout: 120_000 });
    expect(r.stderr).toMatch(/\nOK\s*$/);
    const played = (JSON.parse(readFileSync(out, 'utf8')) as { openrlhf: Played[] }).openrlhf;
    const byId = new Map(episodes.map((e) => [e.id, e]));
    expect(played.length).toBeGreaterThan(4 * episodes.length); // four policies per episode, plus the samples cut short
    expect(new Set(played.map((p) => p.outcome)).size).toBeGreaterThan(2);
    for (const p of played) {
      const s = new EpisodeState(byId.get(p.episode_id)!, 'proactive');
      for (const reply of p.replies) s.step(reply);
      expect(s.done, p.episode_id).toBe(true);
      const rec = s.record();
      expect({ outcome: p.outcome, reward: p.reward }, p.episode_id).toEqual({ outcome: rec.outcome, reward: rewarder.episode(rec).total });
    }
  }, 180_000);

  it('integrations/openrlhf/launch_multiturn.sh hands OpenRLHF the agent, the server and room for a whole episode', async () => {
    const dir = tmpDir('askfirst-openrlhf-launch');
    const trl = join(dir, 'trl');
    await exportTrl(episodes, memoryLoader, { out: trl, turns: 'first', parquet: false, absolutePaths: true });
    // A stand-in `python3 -m openrlhf.cli.train_ppo_ray` that records what it was started with.
    const fake = join(dir, 'fake', 'openrlhf', 'cli');
    mkdirSync(fake, { recursive: true });
    writeFileSync(join(dir, 'fake', 'openrlhf', '__init__.py'), '');
    writeFileSync(join(fake, '__init__.py'), '');
    writeFileSync(join(fake, 'train_ppo_ray.py'), 'import json, os, sys\njson.dump({"argv": sys.argv[1:], "env_url": os.environ.get("ASKFIRST_ENV_URL")}, open(os.environ["FAKE_OUT"], "w"))\n');
    const env = { ...process.env, PATH: `${dirname(SYSTEM_PYTHON)}:${process.env.PATH}`, PYTHONPATH: join(dir, 'fake'), FAKE_OUT: join(dir, 'argv.json'), PYTHONDONTWRITEBYTECODE: '1' };
    const script = join(root, 'integrations/openrlhf/launch_multiturn.sh');
    await run('bash', [script, join(trl, 'train.jsonl'), srv.url], { cwd: dir, env });
    const { argv, env_url } = JSON.parse(readFileSync(join(dir, 'argv.json'), 'utf8')) as { argv: string[]; env_url: string };
    const flag = (k: string) => argv[argv.indexOf(k) + 1];
    expect(env_url).toBe(srv.url); // what the agent reads
    expect(flag('--train.agent_func_path')).toBe(join(root, 'integrations/openrlhf/askfirst_agent.py'));
    expect(argv).not.toContain('--reward.remote_url'); // the agent pays the reward
    // vLLM refuses a request with more images than --data.max_images_per_prompt: one per turn of the longest episode.
    expect(Number(flag('--data.max_images_per_prompt'))).toBe(Math.max(...episodes.map((e) => e.maxTurns)));
    const row = JSON.parse(readFileSync(join(trl, 'train.jsonl'), 'utf8').split('\n')[0]) as Record<string, unknown>;
    for (const k of ['--data.input_key', '--data.label_key', '--data.image_key']) expect(row, k).toHaveProperty(flag(k));
    // The sequence (prompt, every reply and every feedback turn) must hold the longest canonical path: per later view the
    // agent's user turn (view told in words, chat markup), per turn the reply and a 64-pixel view's image tokens (< 16);
    // tokens estimated at 4 characters each, as for TRL and verl above.
    const told = (r: TrlRow) => `\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>You now see view ${r.view} (turn ${r.turn + 1} of at most ${r.max_turns}).\n${promptText(r)}<|im_end|>\n<|im_start|>assistant\n`;
    const { tokens } = longestPath(told, 48);
    expect(Number(flag('--data.max_len'))).toBeGreaterThanOrEqual(tokens + Math.ceil(told(trlRows(episodes[0], 'first')[0]).length / 4));
    // Rows past a first state cannot be played from: refused before OpenRLHF starts.
    const path = join(dir, 'path');
    await exportTrl(episodes, memoryLoader, { out: path, turns: 'path', parquet: false, absolutePaths: true });
    await expect(run('bash', [script, join(path, 'train.jsonl'), srv.url], { cwd: dir, env })).rejects.toThrow(/not an episode's first state .*--turns first/);
  }, 60_000);
});

const promptText = (r: TrlRow) => (r.prompt[0].content[1] as { text: string }).text;

/**
 * The longest canonical path (its asks, then the answer) of a generated suite, in turns and in estimated tokens: what
 * comes back after each reply (`told`, at 4 characters a token) plus `perTurn` for the reply and the chat markup.
 */
function longestPath(told: (row: TrlRow) => string, perTurn: number): { eps: SuiteEpisode[]; turns: number; tokens: number } {
  const eps = generateSuite({ episodes: 20, seed: 1, size: 32 });
  let tokens = 0;
  let turns = 0;
  for (const ep of eps) {
    const rows = trlRows(ep, 'path');
    tokens = Math.max(tokens, rows.slice(1).reduce((n, r) => n + Math.ceil(told(r).length / 4), 0) + perTurn * rows.length);
    turns = Math.max(turns, rows.length);
  }
  return { eps, turns, tokens };
}

describe('integrations/trl/train_grpo.py: the multi-turn token budget', () => {
  it('holds the longest canonical path: TRL counts every reply and tool result (prompt and image) against max_completion_length', () => {
    // Per turn: the tool call (~25 tokens), the tool message's markup and a 64-pixel view's image tokens (< 16).
    const { turns, tokens } = longestPath(promptText, 48);
    expect(turns).toBeGreaterThan(8);
    const budget = Number(/^MULTI_TURN_TOKENS = (\d+)$/m.exec(readFileSync(join(root, 'integrations/trl/train_grpo.py'), 'utf8'))![1]);
    expect(budget).toBeGreaterThanOrEqual(tokens);
  });
});

describe('integrations/verl/README.md: the training command', () => {
  const md = readFileSync(join(root, 'integrations/verl/README.md'), 'utf8');
  const block = /```bash\n([\s\S]*?)```/.exec(md)![1];
  const overrides = new Map([...block.matchAll(/(?:^|\s)([a-z_][\w.]*)=(\S+)/g)].map((m) => [m[1], m[2]]));
  const num = (k: string) => Number(overrides.get(k));

  it('sets what verl (0.7.0, main) refuses to start without, and files that exist', () => {
    // verl/workers/config/actor.py and verl/utils/config.py check_mutually_exclusive: one of each micro-batch size.
    for (const k of ['actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu', 'actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu', 'actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu']) {
      expect(num(k), k).toBeGreaterThan(0);
    }
    expect(num('actor_rollout_ref.actor.ppo_mini_batch_size')).toBeLessThanOrEqual(num('data.train_batch_size'));
    const reward = overrides.get('custom_reward_function.path')!;
    expect(readFileSync(join(root, reward), 'utf8')).toContain(`def ${overrides.get('custom_reward_function.name')}(`);
    expect(readFileSync(join(root, overrides.get('actor_rollout_ref.rollout.multi_turn.interaction_config_path')!), 'utf8')).toContain('askfirst_interaction.AskfirstInteraction');
  });

  it('gives a whole episode room: the response length holds the longest canonical path, and no turn cap cuts it', () => {
    // verl's ToolAgentLoop ends a rollout at rollout.response_length (data.max_response_length, 512 by default) and at
    // multi_turn.max_assistant_turns, right after a generation; a cut episode is paid as a reply naming no option.
    // Tokens are estimated at 4 characters each, plus 16 a turn for the reply and the chat markup.
    const { eps, turns, tokens } = longestPath((r) => `You now see view ${r.view} (turn ${r.turn + 1} of at most ${r.max_turns}).\n${promptText(r)}`, 16);
    expect(turns).toBeGreaterThan(8); // the suite has paths longer than the turn cap the command set before
    expect(num('data.max_response_length')).toBeGreaterThanOrEqual(tokens);
    const cap = overrides.get('actor_rollout_ref.rollout.multi_turn.max_assistant_turns');
    if (cap !== undefined) expect(Number(cap)).toBeGreaterThanOrEqual(Math.max(...eps.map((e) => e.maxTurns)));
  });

  it('points the reward function at the server the interaction plays on', () => {
    // A rollout verl cuts before its first reply is scored by askfirst_reward.py on the server (reward_kwargs.env_url).
    const rewardUrl = /\+custom_reward_function\.reward_kwargs\.env_url=(\S+)/.exec(block)![1];
    const yaml = readFileSync(join(root, overrides.get('actor_rollout_ref.rollout.multi_turn.interaction_config_path')!), 'utf8');
    expect(/env_url: "([^"]+)"/.exec(yaml)![1]).toBe(rewardUrl);
    expect(new URL(rewardUrl).port).toBe(/askfirst env serve .*--port (\d+)/.exec(block)![1]);
  });
});
