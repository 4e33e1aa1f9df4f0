/**
 * evaluate({ out, overwrite }): the summary.json of the run --overwrite discards goes with its records, before any episode
 * is played. Kept, an overwrite stopped part-way (Ctrl-C, a server that gave up) left the earlier run's summary — its
 * 3 episodes, settings, data fingerprint and figures — beside the 1 record of the new one, and `askfirst report`
 * read both as one run.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OraclePolicy } from '../agents/baselines/oracle.js';
import type { Observation, Policy, PolicyReply } from '../agents/policy.js';
import { chainEpisode } from '../testing/chain-episode.js';
import { tmpDir } from '../testing/tmp.js';
import type { SuiteEpisode } from '../suite/types.js';
import { evaluate } from './evaluate.js';

describe('evaluate with overwrite', () => {
  const eps = Array.from({ length: 3 }, (_, i) => chainEpisode(`e${i}`, 3, i % 3));
  const loader = async (ref: SuiteEpisode['views'][number]) => ('image' in ref ? ref.image : Promise.reject(new Error('path')));

  it('removes the discarded run\'s summary.json first: a run stopped part-way leaves none, a finished one writes its own', async () => {
    const out = tmpDir('af-evaluate-overwrite');
    await evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['proactive'], out, batchSize: 1 });
    const summary = join(out, 'summary.json');
    expect(JSON.parse(readFileSync(summary, 'utf8')).modes.proactive.episodes).toBe(3);

    // another model, started afresh with overwrite: it answers one episode, then its server gives up
    let calls = 0;
    const failing: Policy = {
      name: 'gives-up',
      act: async (batch: readonly Observation[]): Promise<PolicyReply[]> => {
        if (calls++ > 0) throw new Error('the server gave up');
        return batch.map(() => ({ reply: 'I cannot answer this question.' }));
      },
    };
    await expect(evaluate({ episodes: eps, loader, policy: failing, modes: ['proactive'], out, overwrite: true, batchSize: 1 })).rejects.toThrow(/gave up/);
    const lines = readFileSync(join(out, 'proactive', 'results.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1); // the new run's one episode, the oracle's three discarded
    expect(existsSync(summary)).toBe(false); // was the oracle's summary: 3 episodes, accuracy 100 %, policy "oracle"

    // finished, the overwrite writes its own
    await evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['proactive'], out, overwrite: true, batchSize: 1 });
    expect(JSON.parse(readFileSync(summary, 'utf8')).modes.proactive.episodes).toBe(3);
  });
});

describe('evaluate with fewer modes than an earlier run into the same out', () => {
  const eps = Array.from({ length: 3 }, (_, i) => chainEpisode(`e${i}`, 3, i % 3));
  const loader = async (ref: SuiteEpisode['views'][number]) => ('image' in ref ? ref.image : Promise.reject(new Error('path')));
  const run = { policy: 'oracle', data: 'suite', dataFingerprint: 'fp-1' };

  it('keeps the earlier modes\' figures in summary.json while their finished results are there and of this run; not those of other data or a run stopped part-way', async () => {
    const out = tmpDir('af-evaluate-fewer-modes');
    const summaryOf = () => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const both = await evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['proactive', 'reference'], out, run, batchSize: 1 });
    expect(summaryOf().modes.reference.episodes).toBe(3);
    expect(summaryOf().keptModes).toBeUndefined();

    // proactive again (resumed): reference's figures stay, as its results (which report and compare --baseline read) do
    const again = await evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['proactive'], out, run, batchSize: 1 });
    expect(again.summaries.reference).toBeUndefined(); // what this command played
    const s = summaryOf();
    expect(Object.keys(s.modes)).toEqual(['proactive', 'reference']); // was ['proactive']: reference's figures gone
    expect(s.modes.reference).toEqual(JSON.parse(JSON.stringify(both.summaries.reference)));
    expect(s.intervals.reference).toEqual(JSON.parse(JSON.stringify(both.intervals.reference)));
    expect(s.keptModes).toEqual(['reference']);

    // reference stopped part-way (one record of three): its figures are not kept
    const ref = join(out, 'reference', 'results.jsonl');
    const full = readFileSync(ref, 'utf8');
    writeFileSync(ref, `${full.split('\n')[0]}\n`);
    await evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['proactive'], out, run, batchSize: 1 });
    expect(Object.keys(summaryOf().modes)).toEqual(['proactive']);
    writeFileSync(ref, full);

    // proactive on other data (started afresh): reference was played on the earlier data, so its figures are not kept
    await evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['proactive'], out, run: { ...run, dataFingerprint: 'fp-2' }, overwrite: true, batchSize: 1 });
    expect(Object.keys(summaryOf().modes)).toEqual(['proactive']);
    expect(summaryOf().keptModes).toBeUndefined();
  });
});

describe('evaluate: an earlier mode whose files do not read', () => {
  const eps = Array.from({ length: 3 }, (_, i) => chainEpisode(`e${i}`, 3, i % 3));
  const loader = async (ref: SuiteEpisode['views'][number]) => ('image' in ref ? ref.image : Promise.reject(new Error('path')));
  const run = { policy: 'oracle', data: 'suite', dataFingerprint: 'fp-1' };

  it('is left out of summary.json with one line saying why (was: without a word); the episodes are not read again for their ids', async () => {
    const out = tmpDir('af-evaluate-unread-mode');
    const summaryOf = () => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const lines: string[] = [];
    const notice = (l: string) => lines.push(l);
    await evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['proactive', 'reference'], out, run, batchSize: 1, notice });
    expect(lines).toEqual([]);

    // the episodes as a stream that counts its passes: proactive alone plays them in some passes; keeping reference's
    // figures takes the ids from the records just played, not one more pass
    let passes = 0;
    const stream = { count: eps.length, episodes: async function* () { passes++; yield* eps; } };
    await evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['proactive'], out, run, batchSize: 1, notice });
    expect(summaryOf().keptModes).toEqual(['reference']);
    await evaluate({ episodes: stream, loader, policy: new OraclePolicy(eps), modes: ['proactive'], out, run, batchSize: 1, notice });
    expect(summaryOf().keptModes).toEqual(['reference']);
    const playPasses = passes;
    passes = 0;
    await rm(join(out, 'reference'), { recursive: true });
    await evaluate({ episodes: stream, loader, policy: new OraclePolicy(eps), modes: ['proactive'], out, run, batchSize: 1, notice });
    expect(summaryOf().keptModes).toBeUndefined();
    expect(playPasses).toBe(passes); // was one more with reference's folder there: its ids read from the episodes again
    await evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['reference'], out, run, batchSize: 1, notice });
    expect(lines).toEqual([]);

    // reference's run.json damaged: not kept, and said so
    const runJson = join(out, 'reference', 'run.json');
    const good = readFileSync(runJson, 'utf8');
    writeFileSync(runJson, good.slice(0, 10));
    await evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['proactive'], out, run, batchSize: 1, notice });
    expect(summaryOf().keptModes).toBeUndefined();
    expect(lines).toEqual([`reference's figures not kept in ${join(out, 'summary.json')}: ${runJson}: does not parse as JSON (damaged?) (its files are left as they are)`]);
    writeFileSync(runJson, good);

    // a record of reference's results.jsonl damaged (no kind): not kept, the line named
    lines.length = 0;
    const results = join(out, 'reference', 'results.jsonl');
    const recs = readFileSync(results, 'utf8').trim().split('\n');
    const bad = JSON.parse(recs[1]) as Record<string, unknown>;
    delete bad.kind;
    writeFileSync(results, [recs[0], JSON.stringify(bad), recs[2]].join('\n') + '\n');
    await evaluate({ episodes: eps, loader, policy: new OraclePolicy(eps), modes: ['proactive'], out, run, batchSize: 1, notice });
    expect(summaryOf().keptModes).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^reference's figures not kept in .*summary\.json: .*reference\/results\.jsonl:2: .*kind.* \(damaged\?\) \(its files are left as they are\)$/);
  });
});
