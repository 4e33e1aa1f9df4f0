/**
 * OpenRLHF's remote reward model request against POST /get_reward: for 1,000 (episode, turn,
 * reply) items, the rewards are exactly those of the in-process reward functions — computed here
 * independently, as src/rl/rollout.ts `rolloutSingleTurn` does (the episode restarted at the
 * state's view, one step, `proactiveBenchReward`). Queries are shaped as OpenRLHF sends them: the
 * chat-templated prompt and the response decoded together, image placeholders expanded and
 * end-of-turn tokens kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EpisodeState } from '../../episode/state.js';
import { EpisodePool } from '../../environment/episodes.js';
import { resolveRewardConfig, Rewarder } from '../../environment/rewards.js';
import type { RewardResponse } from '../../environment/single-turn.js';
import { trlRows, type TrlRow } from '../../environment/trl-export.js';
import { proactiveBenchReward, singleTurnReward } from '../../rl/rewards.js';
import { generateSuite } from '../../suite/generate.js';
import { memoryLoader } from '../../suite/loader.js';
import type { SuiteEpisode } from '../../suite/types.js';
import { familyReplies } from '../../testing/reasoning-replies.js';
import { Rng } from '../../util/rng.js';
import { startEnvServer, type RunningEnvServer } from './server.js';

let episodes: SuiteEpisode[];
let byId: Map<string, SuiteEpisode>;
let srv: RunningEnvServer;
const RP = 0.75;

beforeAll(async () => {
  episodes = generateSuite({ episodes: 12, seed: 21, size: 32 });
  byId = new Map(episodes.map((e) => [e.id, e]));
  srv = await startEnvServer({ pool: new EpisodePool(episodes, memoryLoader), rewarder: new Rewarder(resolveRewardConfig({ reward: 'proactivebench', rp: RP })), maxSessions: 2, sessionTimeout: 0, port: 0, log: () => undefined });
});
afterAll(() => srv.close());

const template = (prompt: string, pads: number) => `<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|>${'<|image_pad|>'.repeat(pads)}<|vision_end|>${prompt}<|im_end|>\n<|im_start|>assistant\n`;

function items(n: number, seed: number): { row: TrlRow; reply: string }[] {
  const rng = new Rng(seed);
  const rows = episodes.flatMap((e) => trlRows(e, 'path'));
  return Array.from({ length: n }, () => {
    const row = rows[rng.int(rows.length)];
    const pool = [...row.options.map((_, i) => `${String.fromCharCode(65 + i)}.`), ...row.options.map((t) => ` ${t.toUpperCase()}`), 'I would guess', 'Z.', `${row.answer_letter}. ${row.answer}`, ''];
    return { row, reply: pool[rng.int(pool.length)] };
  });
}

/** The reward computed in process, independently of the endpoint's code path. */
function inProcess(row: TrlRow, reply: string): number {
  const ep = byId.get(row.episode_id)!;
  const s = new EpisodeState({ ...ep, firstView: row.view }, 'proactive');
  expect(s.observe().prompt).toBe((row.prompt[0].content[1] as { text: string }).text);
  return proactiveBenchReward(s.step(reply), RP);
}

describe('POST /get_reward (OpenRLHF remote reward model)', () => {
  it('returns, for 1,000 (episode, turn, reply) items, exactly the in-process rewards', async () => {
    const batch = items(1000, 5);
    const prompts = batch.map(({ row }) => template((row.prompt[0].content[1] as { text: string }).text, 1));
    const query = batch.map(({ row, reply }) => template((row.prompt[0].content[1] as { text: string }).text, 16) + reply + '<|im_end|>');
    const res = await fetch(`${srv.url}/get_reward`, { method: 'POST', body: JSON.stringify({ query, prompts, labels: batch.map(({ row }) => row.label) }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as RewardResponse;
    const expected = batch.map(({ row, reply }) => inProcess(row, reply));
    expect(body.rewards).toEqual(expected);
    expect(body.scores).toEqual(expected);
    expect(body.extra_logs.askfirst_correct).toHaveLength(1000);
    // The batch exercises every reward value (r_c, r_p, r_w), so equality is not vacuous.
    expect(new Set(expected)).toEqual(new Set([1, RP, 0]));
  });

  it("pays a thinking reply of every VLM family as its answer (OpenRLHF decodes the reasoning with the reply)", async () => {
    // Gemma 4's <|channel>thought … <channel|>, Kimi-VL's ◁think▷ … ◁/think▷, a Qwen3.5 block opened in the prompt
    // (only </think> generated), gpt-oss's analysis channel, Qwen3-VL's <think>: the right answer after any was unparseable.
    const rows = episodes.flatMap((e) => trlRows(e, 'first')).slice(0, 6);
    const families = Object.keys(familyReplies('x'));
    const batch = rows.flatMap((row) => [row.answer, `${row.answer_letter}.`].flatMap((answer) => [answer, ...Object.values(familyReplies(answer))].map((reply) => ({ row, reply }))));
    const text = (row: TrlRow) => (row.prompt[0].content[1] as { text: string }).text;
    const query = batch.map(({ row, reply }) => template(text(row), 16) + reply + '<|im_end|>');
    const res = (await (await fetch(`${srv.url}/get_reward`, { method: 'POST', body: JSON.stringify({ query, prompts: batch.map(({ row }) => template(text(row), 1)), labels: batch.map(({ row }) => row.label) }) })).json()) as RewardResponse;
    const per = families.length + 1;
    for (let i = 0; i < batch.length; i += per) {
      expect(res.rewards[i], batch[i].reply).toBe(1); // the right answer, plain
      expect(Object.fromEntries(families.map((f, k) => [f, res.rewards[i + 1 + k]])), batch[i].reply).toEqual(Object.fromEntries(families.map((f) => [f, 1])));
    }
  });

  it('single-item requests (what OpenRLHF sends per sample) and labels given by turn only', async () => {
    for (const { row, reply } of items(40, 9)) {
      const label = JSON.stringify({ episode_id: row.episode_id, turn: row.turn });
      const res = (await (await fetch(`${srv.url}/get_reward`, { method: 'POST', body: JSON.stringify({ query: [reply], prompts: [''], labels: [label] }) })).json()) as RewardResponse;
      expect(res.rewards).toEqual([inProcess(row, reply)]);
    }
  });

  it('bad requests are 400/404 with what to fix', async () => {
    const post = (b: unknown) => fetch(`${srv.url}/get_reward`, { method: 'POST', body: JSON.stringify(b) });
    const a = await post({ query: ['x'], prompts: [''], labels: [] });
    expect(a.status).toBe(400);
    expect(((await a.json()) as { detail: string }).detail).toMatch(/same length/);
    const b = await post({ query: ['x'], labels: ['not json'] });
    expect(((await b.json()) as { detail: string }).detail).toMatch(/labels\[0\] is not JSON/);
    const c = await post({ query: ['x'], labels: [JSON.stringify({ episode_id: 'nope', turn: 0 })] });
    expect(c.status).toBe(404);
    expect(singleTurnReward({ type: 'unparseable' }, { rc: 1, rp: RP, rw: -1 })).toBe(-1);
  });

  it('says why it refused a request in its own log, once per message: OpenRLHF shows only the status', async () => {
    const logged: string[] = [];
    const own = await startEnvServer({ pool: new EpisodePool(episodes, memoryLoader), rewarder: new Rewarder(resolveRewardConfig({ reward: 'proactivebench', rp: RP })), maxSessions: 1, sessionTimeout: 0, port: 0, log: (m) => logged.push(m) });
    const post = (b: unknown) => fetch(`${own.url}/get_reward`, { method: 'POST', body: JSON.stringify(b) });
    // OpenRLHF retries a failed request five times, and a misconfigured run sends the same mistake for every sample.
    for (let i = 0; i < 5; i++) expect((await post({ query: ['B.'], prompts: [''], labels: [''] })).status).toBe(400);
    expect((await post({ query: ['B.'], prompts: [''], labels: [JSON.stringify({ episode_id: 'nope' })] })).status).toBe(404);
    const ok = items(1, 3)[0];
    expect((await post({ query: [ok.reply], prompts: [''], labels: [ok.row.label] })).status).toBe(200);
    expect(logged).toEqual([
      'askfirst env serve: refused POST /get_reward (400): labels[0] is not JSON; expected {"episode_id": "...", "turn": 0} (the label column of `askfirst export --format trl`)',
      'askfirst env serve: refused POST /get_reward (404): labels[0]: no episode "nope" on this server',
    ]);
    await own.close();
  });

  it('refuses a batch over --max-reward-items with 413 {detail} before scoring any (scoring holds the one thread), and says so in its log', async () => {
    const logged: string[] = [];
    const own = await startEnvServer({ pool: new EpisodePool(episodes, memoryLoader), rewarder: new Rewarder(resolveRewardConfig({ reward: 'proactivebench', rp: RP })), maxSessions: 1, sessionTimeout: 0, port: 0, maxRewardItems: 50, log: (m) => logged.push(m) });
    const post = (b: unknown) => fetch(`${own.url}/get_reward`, { method: 'POST', body: JSON.stringify(b) });
    const batch = items(51, 4);
    const query = batch.map(({ reply }) => reply);
    const labels = batch.map(({ row }) => row.label);
    const over = await post({ query, prompts: query.map(() => ''), labels });
    expect(over.status).toBe(413);
    const detail = 'POST /get_reward: 51 items, over the limit of 50 a request (askfirst env serve --max-reward-items); send smaller batches';
    expect(await over.json()).toEqual({ detail });
    // Counted on any of the three lists (a long labels list alone is refused too, not scored up to the mismatch).
    expect((await post({ query: ['B.'], prompts: [''], labels })).status).toBe(413);
    const at = await post({ query: query.slice(1), prompts: query.slice(1).map(() => ''), labels: labels.slice(1) });
    expect(at.status).toBe(200);
    expect(((await at.json()) as RewardResponse).rewards).toEqual(batch.slice(1).map(({ row, reply }) => inProcess(row, reply)));
    expect(logged).toEqual([`askfirst env serve: refused POST /get_reward (413): ${detail}`]);
    await own.close();
  });

  it('an empty batch is answered with empty lists (OpenRLHF splits each request over every --reward.remote_url, leaving the others none)', async () => {
    const res = await fetch(`${srv.url}/get_reward`, { method: 'POST', body: JSON.stringify({ query: [], prompts: [], labels: [] }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ rewards: [], scores: [], extra_logs: { askfirst_correct: [], askfirst_valid_ask: [] } });
  });
});
