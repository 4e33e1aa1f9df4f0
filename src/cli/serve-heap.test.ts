/**
 * `askfirst serve --data` and `askfirst env serve` hold no suite whole (docs/hardening.md, "Memory on large data"): serve
 * reads --data as eval does (suite/open.ts openData: the oracle keeps a plan per episode), env serve keeps each episode's
 * id, kind and place in episodes.jsonl and reads an episode again at a reset (suite/open.ts indexData). Both held every
 * episode before. A suite changed under env serve is refused at the next read, not played.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HttpPolicy } from '../agents/http/policy.js';
import { evaluate } from '../eval/evaluate.js';
import { generateSuite } from '../suite/generate.js';
import { readSuite, writeSuite } from '../suite/io.js';
import { createViewLoader } from '../suite/loader.js';
import { tmpDir } from '../testing/tmp.js';
import { paddedProactiveBenchSuites, paddedSuites } from '../testing/padded-suites.js';
import { EpisodePool } from '../environment/episodes.js';
import { resolveRewardConfig, Rewarder } from '../environment/rewards.js';
import { startEnvServer } from '../server/env/server.js';
import { loadData } from '../suite/open.js';
import { writeProactiveBench } from '../suite/proactivebench/read.js';
import { packageRoot } from '../util/package-root.js';
import { runEnvServe } from './env.js';
import { EnvServeSchema } from './env-schema.js';

/**
 * `askfirst ARGS` (a server, `--port 0`) in a child process whose heap is 64 MB: its URL once it listens, and `stop`
 * (SIGTERM, resolving to the signal that ended it, or its exit code: it ends by the signal, 143 to a shell). A child that ends before it listens (out of heap) rejects, with its stderr.
 */
async function serveIn64MB(args: string[]): Promise<{ url: string; stop: () => Promise<string> }> {
  const child = spawn(process.execPath, ['--max-old-space-size=64', join(packageRoot(), 'bin', 'askfirst.js'), ...args, '--port', '0', '--no-progress'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(signal ?? String(code))));
  let out = '';
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = / at (http:\/\/[^\s]+) /.exec(out);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`askfirst ${args[0]} ended (${code}) before it listened: ${err.slice(-400)}`)));
  });
  return {
    url,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

const post = async (url: string, body: unknown) => {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};

/**
 * Each of `resets`, then a reward request labelling episodes `ids[42]` (twice) and `ids[43]`, sent to the env server at
 * `big` and to the one at `plain`: `big` answers each (200) as `plain` does.
 */
async function expectSameAnswers(big: string, plain: string, ids: readonly string[], resets: readonly Record<string, unknown>[]): Promise<void> {
  for (const r of resets) {
    const [a, b] = await Promise.all([post(`${big}/reset`, r), post(`${plain}/reset`, r)]);
    expect(a.status, JSON.stringify(r)).toBe(200);
    expect(a.json, JSON.stringify(r)).toEqual(b.json);
  }
  const label = JSON.stringify({ episode_id: ids[42], turn: 0 });
  const reward = { query: ['A.', 'B.', 'C.'], prompts: ['', '', ''], labels: [label, label, JSON.stringify({ episode_id: ids[43], turn: 0 })] };
  const [a, b] = await Promise.all([post(`${big}/get_reward`, reward), post(`${plain}/get_reward`, reward)]);
  expect(a.status).toBe(200);
  expect(a.json).toEqual(b.json);
}

describe('askfirst env serve and serve --data at scale', () => {
  it('env serve reads an episode at a reset: 128 MB of episodes go through a 64 MB heap, the observations and rewards the same', async () => {
    const dir = tmpDir('askfirst-serve-heap');
    const ids = await paddedSuites(dir);
    const big = await serveIn64MB(['env', 'serve', '--data', join(dir, 'padded')]);
    const plain = await runEnvServe(EnvServeSchema.parse({ data: join(dir, 'plain'), port: 0, progress: false }));
    try {
      await expectSameAnswers(big.url, plain.url, ids, [{ episode_id: ids[0] }, { episode_id: ids[300] }, { episode_id: ids[511] }, { seed: 7 }, { seed: 7, kind: 'camera' }, {}, {}, { kinds: ['sketch', 'occlusion'] }]);
    } finally {
      await plain.close();
      expect(await big.stop()).toBe('SIGTERM');
    }
  }, 120_000);

  it('serve --policy oracle --data keeps plans, not episodes: it answers every episode right within a 64 MB heap', async () => {
    const dir = tmpDir('askfirst-serve-heap-oracle');
    await paddedSuites(dir);
    const big = await serveIn64MB(['serve', '--policy', 'oracle', '--data', join(dir, 'padded')]);
    try {
      const eps = (await readSuite(join(dir, 'plain'))).filter((_, i) => i % 37 === 0);
      const res = await evaluate({ episodes: eps, loader: createViewLoader(join(dir, 'plain')), policy: new HttpPolicy({ baseUrl: big.url, model: 'oracle', askfirstHeaders: true }, {}), modes: ['proactive'] });
      expect(res.summaries.proactive!.accuracy).toBe(1);
    } finally {
      expect(await big.stop()).toBe('SIGTERM');
    }
  }, 120_000);
});

describe('env serve on a suite changed under it', () => {
  it('refuses an episode once episodes.jsonl changed since it was read, in one line, never plays the changed one', async () => {
    const dir = tmpDir('askfirst-env-changed');
    const eps = await writeSuite(dir, generateSuite({ episodes: 1, seed: 4, size: 32 }));
    const srv = await runEnvServe(EnvServeSchema.parse({ data: dir, port: 0, progress: false }));
    try {
      expect((await post(`${srv.url}/reset`, { episode_id: eps[0].id })).status).toBe(200);
      // episode 3's question changed in place, one letter for another: the same size, its line where it was
      const file = join(dir, 'episodes.jsonl');
      const before = statSync(file);
      const lines = readFileSync(file, 'utf8').split('\n');
      const q = eps[3].question;
      const changed = (q[0] === 'X' ? 'Y' : 'X') + q.slice(1);
      lines[3] = lines[3].replace(JSON.stringify(q), JSON.stringify(changed));
      writeFileSync(file, lines.join('\n'));
      expect(statSync(file).size).toBe(before.size);
      // a file system whose times are coarser than this test: the write is a change all the same
      if (statSync(file).mtimeMs === before.mtimeMs) utimesSync(file, before.atime, new Date(before.mtimeMs + 2000));
      const r = await post(`${srv.url}/reset`, { episode_id: eps[3].id });
      expect(r.status).toBe(500); // the server's own data changed, not the request at fault (server/errors.ts toHttp; was 400)
      expect(r.json.detail).toMatch(/episodes\.jsonl.*changed since it was read.*run the command again/);
      expect(r.json.detail).not.toContain(dir); // the file named, not the server's folders
      const reward = await post(`${srv.url}/get_reward`, { query: ['A.'], prompts: [''], labels: [JSON.stringify({ episode_id: eps[3].id, turn: 0 })] });
      expect(reward.status).toBe(500);
      expect(reward.json.detail).toMatch(/changed since it was read/);
    } finally {
      await srv.close();
    }
  });
});

describe("env serve on ProactiveBench's layout", () => {
  it('reads an entry at a reset: 128 MB of entries go through a 64 MB heap, each reset the episode a server holding them all plays', async () => {
    const dir = tmpDir('askfirst-serve-heap-pb');
    await paddedProactiveBenchSuites(dir);
    const big = await serveIn64MB(['env', 'serve', '--data', `proactivebench:${join(dir, 'pb-padded')}`]);
    // what env serve did before: every episode of the (unpadded) folder read and held
    const held = await loadData(`proactivebench:${join(dir, 'pb-plain')}`);
    const plain = await startEnvServer({ pool: new EpisodePool(held.episodes, held.loader), rewarder: new Rewarder(resolveRewardConfig({})), maxSessions: 4, sessionTimeout: 0, port: 0 });
    try {
      const ids = held.episodes.map((e) => e.id);
      expect(ids.length).toBe(518);
      await expectSameAnswers(big.url, plain.url, ids, [{ episode_id: ids[0] }, { episode_id: ids[300] }, { episode_id: ids[517] }, { seed: 7 }, { seed: 7, kind: 'camera' }, {}, {}, { kinds: ['sketch', 'occlusion'] }, { kind: 'passerby' }]);
    } finally {
      await plain.close();
      expect(await big.stop()).toBe('SIGTERM');
    }
  }, 120_000);

  it('refuses an entry once its file changed since it was read, in one line, never plays the changed one', async () => {
    const dir = tmpDir('askfirst-env-changed-pb');
    const eps = generateSuite({ episodes: 2, seed: 4, size: 32, kinds: ['occlusion'] });
    await writeProactiveBench(dir, eps);
    const srv = await runEnvServe(EnvServeSchema.parse({ data: `proactivebench:${dir}`, port: 0, progress: false }));
    try {
      expect((await post(`${srv.url}/reset`, { episode_id: eps[0].id })).status).toBe(200);
      // episode 1's question changed in place, one letter for another: the same size, its line where it was
      const file = join(dir, readdirSync(dir).find((f) => f.endsWith('_preprocessed.jsonl'))!);
      const before = statSync(file);
      const q = eps[1].question;
      const text = readFileSync(file, 'utf8');
      const at = text.lastIndexOf(JSON.stringify(q));
      expect(at).toBeGreaterThan(text.indexOf(eps[1].id) - 1);
      writeFileSync(file, text.slice(0, at + 1) + (q[0] === 'X' ? 'Y' : 'X') + text.slice(at + 2));
      expect(statSync(file).size).toBe(before.size);
      if (statSync(file).mtimeMs === before.mtimeMs) utimesSync(file, before.atime, new Date(before.mtimeMs + 2000));
      const r = await post(`${srv.url}/reset`, { episode_id: eps[1].id });
      expect(r.status).toBe(500); // as above
      expect(r.json.detail).toMatch(/_preprocessed\.jsonl.*changed since they were read.*run the command again/);
      expect(String(r.json.detail)).not.toContain('\n');
    } finally {
      await srv.close();
    }
  });
});
