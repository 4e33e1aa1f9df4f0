/**
 * Parity (issue 15): the same scripted replies played through `askfirst env serve` by the Python
 * client (integrations/tests/parity_client.py: standard library + Debian's python3-websockets) and
 * through `askfirst eval --policy scripted:FILE` give identical per-episode outcomes, turns,
 * interventions and rewards — askfirst's multi-turn reward and ProactiveBench's single-turn
 * reward — on 490 episodes of all seven kinds, and on the same episodes in ProactiveBench's layout; thinking models'
 * replies among them (every family's reasoning markup, GLM's answer wrappers).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { runEval } from '../src/cli/eval.js';
import { EvalCommandSchema } from '../src/cli/eval-schema.js';
import { EpisodePool } from '../src/environment/episodes.js';
import { resolveRewardConfig, Rewarder } from '../src/environment/rewards.js';
import { optionLetter } from '../src/episode/parse.js';
import { EpisodeState } from '../src/episode/state.js';
import type { EpisodeRecord } from '../src/episode/types.js';
import { startEnvServer } from '../src/server/env/server.js';
import { generateSuite } from '../src/suite/generate.js';
import { writeSuite } from '../src/suite/io.js';
import { loadData } from '../src/suite/open.js';
import { writeProactiveBench } from '../src/suite/proactivebench/read.js';
import { SCENARIO_KINDS } from '../src/suite/kinds/names.js';
import type { SuiteEpisode } from '../src/suite/types.js';
import { familyReplies } from '../src/testing/reasoning-replies.js';
import { tmpDir } from '../src/testing/tmp.js';
import { Rng } from '../src/util/rng.js';
import { hasPythonWebsockets, requireDep, SYSTEM_PYTHON } from '../src/testing/system-deps.js';

const run = promisify(execFile);
const CLIENT = resolve(import.meta.dirname, '../integrations/tests/parity_client.py');
const skip = requireDep(hasPythonWebsockets(), 'python3-websockets for /usr/bin/python3');

function keepAsking(e: SuiteEpisode): string[] {
  const s = new EpisodeState(e, 'proactive');
  const replies: string[] = [];
  while (!s.done) {
    const i = s.shown().interventions.findIndex((o) => o.valid && !o.abstain);
    replies.push(i < 0 ? 'no idea' : `${optionLetter(i)}.`);
    s.step(replies[replies.length - 1]);
  }
  return replies;
}

const FAMILIES = Object.keys(familyReplies('x')).length;

/** Replies that reach every outcome: letters (valid, invalid, out of range), option texts with odd case and spacing, garbage, and too few replies. */
function script(episodes: readonly SuiteEpisode[], seed: number): { episode_id: string; replies: string[] }[] {
  const rng = new Rng(seed);
  return episodes.map((e) => {
    // Every tenth episode keeps asking (the first valid intervention at each view, by letter): max-turns where the views allow it.
    if (rng.next() < 0.1) return { episode_id: e.id, replies: keepAsking(e) };
    const n = rng.int(5); // 0 → every turn missing (unparseable)
    // and a thinking model's replies, each family's markup in turn (eval's scripted policy read them with their reasoning)
    const thinking = (answer: string) => Object.values(familyReplies(answer))[rng.int(FAMILIES)];
    const pool = ['A.', 'B.', 'C', 'd.', 'E.', 'Z.', 'no idea', `  ${e.categories[e.answer].toUpperCase()} `, e.categories[(e.answer + 1) % e.categories.length], ...e.interventions.map((t) => `B. ${t}`), thinking(e.categories[e.answer]), thinking('B.')];
    return { episode_id: e.id, replies: Array.from({ length: n }, () => pool[rng.int(pool.length)]) };
  });
}

interface EnvLine {
  id: string;
  outcome: string;
  turns: number;
  interventions: number;
  rewards: number[];
  replies: string[];
}

async function viaEval(data: string, scriptFile: string, out: string): Promise<EpisodeRecord[]> {
  await runEval(EvalCommandSchema.parse({ policy: [`scripted:${scriptFile}`], data, out, mode: ['proactive'], json: true, progress: false }), () => undefined);
  return readFileSync(join(out, 'proactive', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as EpisodeRecord);
}

async function viaEnv(data: string, scriptFile: string, out: string, reward: Record<string, unknown>): Promise<EnvLine[]> {
  const d = await loadData(data);
  const srv = await startEnvServer({ pool: new EpisodePool(d.episodes, d.loader), rewarder: new Rewarder(resolveRewardConfig(reward)), maxSessions: 16, sessionTimeout: 0, port: 0 });
  try {
    await run(SYSTEM_PYTHON, [CLIENT, '--url', srv.url, '--script', scriptFile, '--out', out, '--concurrency', '8'], { timeout: 240_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  } finally {
    await srv.close();
  }
  return readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as EnvLine);
}

/** Compare outcomes and both rewards, episode by episode. */
async function checkParity(data: string, episodes: readonly SuiteEpisode[], dir: string): Promise<{ episodes: number; outcomes: Record<string, number> }> {
  const scriptFile = join(dir, 'replies.jsonl');
  writeFileSync(scriptFile, script(episodes, 7).map((s) => JSON.stringify(s)).join('\n') + '\n');
  const order = new Map(episodes.map((e, i) => [e.id, i]));
  // results.jsonl is appended in completion order; compare in episode order.
  const records = (await viaEval(data, scriptFile, join(dir, 'eval'))).sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  const multi = await viaEnv(data, scriptFile, join(dir, 'env-askfirst.jsonl'), { reward: 'askfirst' });
  const single = await viaEnv(data, scriptFile, join(dir, 'env-pb.jsonl'), { reward: 'proactivebench', rp: 0.75, rw: -0.1 });
  const askfirst = new Rewarder(resolveRewardConfig({ reward: 'askfirst' }));
  const pb = new Rewarder(resolveRewardConfig({ reward: 'proactivebench', rp: 0.75, rw: -0.1 }));
  expect(records.map((r) => r.id)).toEqual(episodes.map((e) => e.id));
  expect(multi.map((r) => r.id)).toEqual(records.map((r) => r.id));
  const outcomes: Record<string, number> = {};
  records.forEach((rec, i) => {
    const expected = {
      id: rec.id,
      outcome: rec.outcome,
      turns: rec.turns,
      interventions: rec.interventions,
      replies: rec.replies,
    };
    for (const got of [multi[i], single[i]]) expect({ id: got.id, outcome: got.outcome, turns: got.turns, interventions: got.interventions, replies: got.replies }).toEqual(expected);
    const total = askfirst.episode(rec).total;
    expect(multi[i].rewards).toEqual([...Array(rec.turns - 1).fill(0), total]);
    expect(single[i].rewards).toEqual(rec.actions.map((a) => pb.singleTurn(a)));
    outcomes[rec.outcome] = (outcomes[rec.outcome] ?? 0) + 1;
  });
  return { episodes: records.length, outcomes };
}

describe.skipIf(skip !== null)('env serve ↔ eval --policy scripted parity (Python client)', () => {
  let episodes: SuiteEpisode[];
  let suiteDir: string;
  beforeAll(async () => {
    episodes = generateSuite({ episodes: 70, seed: 15, size: 48 });
    suiteDir = tmpDir('askfirst-env-parity-suite');
    await writeSuite(suiteDir, episodes);
  }, 300_000);

  it('490 episodes of all seven kinds: identical outcomes and rewards', async () => {
    expect(new Set(episodes.map((e) => e.kind))).toEqual(new Set(SCENARIO_KINDS));
    expect(episodes.length).toBe(490);
    const r = await checkParity(suiteDir, episodes, tmpDir('askfirst-env-parity'));
    expect(r.episodes).toBe(490);
    // The script reaches every outcome, so the comparison covers every transition.
    for (const k of ['correct', 'wrong-category', 'unparseable', 'invalid-intervention', 'abstain', 'max-turns']) expect(r.outcomes[k], k).toBeGreaterThan(0);
    console.log(`parity (suite): ${JSON.stringify(r)}`);
  }, 600_000);

  it('a ProactiveBench-layout fixture: identical outcomes and rewards', async () => {
    const pbDir = tmpDir('askfirst-env-parity-pb');
    const res = await writeProactiveBench(pbDir, episodes.filter((_, i) => i % 5 === 0));
    const back = (await loadData(`proactivebench:${pbDir}`)).episodes;
    expect(back.length).toBeGreaterThan(50);
    expect(res.files.length).toBeGreaterThan(1);
    const r = await checkParity(`proactivebench:${pbDir}`, back, tmpDir('askfirst-env-parity-pbrun'));
    expect(r.episodes).toBe(back.length);
    console.log(`parity (proactivebench layout): ${JSON.stringify(r)}`);
  }, 600_000);
});
