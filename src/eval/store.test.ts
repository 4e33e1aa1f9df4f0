import { readFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OraclePolicy } from '../agents/baselines/oracle.js';
import { chainEpisode } from '../testing/chain-episode.js';
import { tmpDir } from '../testing/tmp.js';
import type { SuiteEpisode } from '../suite/types.js';
import { runEpisodes } from '../agents/runner.js';
import { openResults } from './store.js';

const loader = async (ref: SuiteEpisode['views'][number]) => ('image' in ref ? ref.image : Promise.reject(new Error('path')));

describe('results store', () => {
  const eps = Array.from({ length: 10 }, (_, i) => chainEpisode(`e${i}`, 3, i % 3));
  const run = { policy: 'oracle', data: 'mem', mode: 'proactive' };

  it('resumes: skips finished episodes, drops a cut-short line, never duplicates', async () => {
    const dir = tmpDir('askfirst-store');
    const s1 = await openResults(dir, run);
    await runEpisodes(eps.slice(0, 4), new OraclePolicy(eps), { mode: 'proactive', loader, onRecord: (r) => s1.append(r) });
    s1.close();
    appendFileSync(join(dir, 'results.jsonl'), '{"id":"e4","kind":"occ'); // a crash mid-write
    const s2 = await openResults(dir, run);
    expect(s2.repairedTail).toBe(true);
    expect([...s2.doneIds].sort()).toEqual(['e0', 'e1', 'e2', 'e3']);
    await runEpisodes(eps, new OraclePolicy(eps), { mode: 'proactive', loader, skip: s2.doneIds, onRecord: (r) => s2.append(r) });
    s2.close();
    const ids = readFileSync(join(dir, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).id);
    expect(ids.sort()).toEqual(eps.map((e) => e.id).sort());
  });

  it('refuses to mix a different run into the same directory', async () => {
    const dir = tmpDir('askfirst-store');
    (await openResults(dir, run)).close();
    await expect(openResults(dir, { ...run, policy: 'random' })).rejects.toThrow(/different run|earlier run/);
    (await openResults(dir, { ...run, policy: 'random' }, { overwrite: true })).close();
  });

  it('an earlier run that finished no episode: the refusal says --overwrite loses nothing', async () => {
    const dir = tmpDir('askfirst-store');
    (await openResults(dir, run)).close(); // e.g. stopped on a view that did not load
    await expect(openResults(dir, { ...run, data: 'fixed' })).rejects.toThrow(/belongs to an earlier run that finished no episode .*data: "mem" before, "fixed" now\. It holds no results: add --overwrite to start afresh \(nothing is lost\)/);
    const s = await openResults(dir, run);
    s.append({ id: 'e0' } as never);
    s.close();
    await expect(openResults(dir, { ...run, data: 'fixed' })).rejects.toThrow(/holds results of a different run/);
  });
});
