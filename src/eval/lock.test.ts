/** Results directories (issue 20): one writer at a time, damaged files named, sampled runs resume to identical records. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OraclePolicy } from '../agents/baselines/oracle.js';
import { newBuiltin } from '../agents/builtin/build.js';
import { chainEpisode } from '../testing/chain-episode.js';
import { conformanceEpisodes } from '../testing/policy-conformance.js';
import { tmpDir } from '../testing/tmp.js';
import { raceOnStaleLock } from '../testing/lock-race.js';
import type { SuiteEpisode } from '../suite/types.js';
import { evaluate } from './evaluate.js';
import { LOCK_FILE, lockDir } from './lock.js';
import { openResults } from './store.js';

const loader = async (ref: SuiteEpisode['views'][number]) => ('image' in ref ? ref.image : Promise.reject(new Error('path')));
const run = { policy: 'oracle', data: 'mem', mode: 'proactive' };

describe('results directory lock', () => {
  it('a second writer on the same directory is refused, naming the first; after close it may open', async () => {
    const dir = tmpDir('askfirst-lock');
    const a = await openResults(dir, run);
    await expect(openResults(dir, run)).rejects.toThrow(new RegExp(`in use by another askfirst eval \\(pid ${process.pid} on `));
    a.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    (await openResults(dir, run)).close();
  });

  it('two evaluations on one --out at once: one runs, the other is refused, and no record is duplicated', async () => {
    const out = tmpDir('askfirst-lock-eval');
    const eps = Array.from({ length: 6 }, (_, i) => chainEpisode(`e${i}`, 3, i % 3));
    const go = () => evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['proactive'], out, run });
    const results = await Promise.allSettled([go(), go()]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const again = await go(); // resumes: everything done once
    expect(again.resumed.proactive).toBe(6);
    expect(again.records.proactive!.map((r) => r.id)).toEqual(eps.map((e) => e.id));
  });

  it('a lock left by a killed process (pid gone) is taken over', () => {
    const dir = tmpDir('askfirst-lock-stale');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: Number(dead.stdout), host: hostname(), started: 'then' }));
    const l = lockDir(dir);
    l.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('two processes finding the same stale lock at once: exactly one takes it over', () => {
    // The second contender runs in the middle of the first one's takeover (mocking the liveness
    // check, process.kill(pid, 0)): right after the first has judged the lock stale — the old code
    // then removed the second one's fresh lock and both held the directory — and right after its
    // second look under the takeover lock.
    const STALE = 2147483646; // no such process
    for (const at of [1, 2]) {
      const dir = tmpDir('askfirst-lock-race');
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: STALE, host: hostname(), started: 'then' }));
      const { outcomes, releases } = raceOnStaleLock(STALE, at, () => {
        const l = lockDir(dir);
        return () => l.release();
      });
      expect(outcomes, `second contender at stale check ${at}`).toHaveLength(2);
      expect(outcomes.filter((o) => o.endsWith('took it')), `second contender at stale check ${at}: ${outcomes.join('; ')}`).toHaveLength(1);
      expect(outcomes.find((o) => o.includes('refused'))).toMatch(new RegExp(`in use by another askfirst eval \\(pid ${process.pid} on |is taking over the lock`));
      expect(readdirSync(dir)).toEqual([LOCK_FILE]);
      for (const release of releases) release();
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it('a damaged run.json or a null line in results.jsonl is a clear error naming the file', async () => {
    const dir = tmpDir('askfirst-damaged');
    (await openResults(dir, run)).close();
    writeFileSync(join(dir, 'results.jsonl'), '{"id":"e0","kind":"x"}\nnull\n');
    await expect(openResults(dir, run)).rejects.toThrow(/results\.jsonl:2: not an episode record \(null\); delete that line/);
    writeFileSync(join(dir, 'run.json'), '{"policy": "ora');
    await expect(openResults(dir, run)).rejects.toThrow(/run\.json: run\.json does not parse as JSON/);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false); // released on error too
  });
});

describe('sampled evaluation resumes to identical records', () => {
  it('--sample: a run stopped after some episodes and resumed gives the records of an uninterrupted run', async () => {
    const eps = conformanceEpisodes(24);
    const policy = newBuiltin(eps);
    policy.model.gate2.bias!.data.fill(0.5); // a spread of asks and answers, so samples differ
    const opts = { loader, policy, modes: ['proactive'] as const, run: { policy: 'builtin', sample: true }, sample: true, batchSize: 5 };
    const whole = await evaluate({ ...opts, episodes: eps, out: tmpDir('askfirst-sample-a') });
    const out = tmpDir('askfirst-sample-b');
    await evaluate({ ...opts, episodes: eps.slice(0, 9), out }); // "killed" after 9 episodes
    const resumed = await evaluate({ ...opts, episodes: eps, out });
    expect(resumed.resumed.proactive).toBe(9);
    expect(resumed.records.proactive).toEqual(whole.records.proactive);
    // and the replies really are sampled (not all greedy)
    const greedy = await evaluate({ ...opts, sample: false, episodes: eps });
    expect(greedy.records.proactive).not.toEqual(whole.records.proactive);
  });
});
