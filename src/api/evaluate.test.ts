/**
 * The library's `evaluate` with `out` (api/evaluate.ts) refuses the folders `askfirst eval` refuses, in the same one line
 * naming what the folder holds, before anything is written: another command's output, or eval's results of several
 * policies. Before, it wrote `<mode>/` and `summary.json` into a training run, a suite or a probe's results.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPolicy, evaluate, generateSuite, memoryLoader } from './index.js';
import { heldOutputs } from '../outputs/out-owner.js';
import { tmpDir } from '../testing/tmp.js';
import { keepRunSettings } from '../util/run-settings.js';

describe('evaluate({ out }) from the library', () => {
  it("refuses another command's folder and eval's of several policies as askfirst eval does; takes its own again and resumes", async () => {
    const root = tmpDir('askfirst-api-evaluate');
    const episodes = generateSuite({ episodes: 1, seed: 0, kinds: ['camera'], size: 32 });
    const policy = await createPolicy('oracle', { episodes, seed: 0 });
    const run = (out: string) => evaluate({ episodes, loader: memoryLoader, policy, modes: ['proactive'], out });

    const train = join(root, 'train');
    mkdirSync(train);
    keepRunSettings(train, {}, { run: 'supervised', resuming: false, startOver: '' }); // what train supervised writes first
    const suite = join(root, 'suite');
    mkdirSync(suite);
    writeFileSync(join(suite, 'suite.json'), JSON.stringify({ format: 'askfirst-suite', version: 1, episodes: 0 }));
    const several = join(root, 'several');
    mkdirSync(join(several, 'oracle'), { recursive: true });
    writeFileSync(join(several, 'oracle', 'summary.json'), JSON.stringify({ format: 'askfirst-eval-summary', version: 1 }));
    const refusals: [string, string][] = [
      [train, `out ${train} holds a supervised run of askfirst train (${join(train, 'run.json')}); evaluate() would write into it: choose another out`],
      [suite, `out ${suite} holds a suite (${join(suite, 'suite.json')}); evaluate() would write into it: choose another out`],
      [several, `out ${several} holds the results of an askfirst eval of several --policy, a folder each (${join(several, 'oracle', 'summary.json')}); evaluate() writes one policy's results into out itself, which would mix the two: choose another out`], // was 'one --policy's results into --out itself': no such options
    ];
    for (const [out, refusal] of refusals) {
      const before = readdirSync(out);
      await expect(run(out), out).rejects.toThrow(refusal);
      expect(readdirSync(out), out).toEqual(before); // nothing written: it wrote proactive/ and summary.json
    }

    // its own folder: written, then taken again and resumed; stopped before its summary, it is still eval's (its mode's run.json)
    const own = join(root, 'own');
    expect((await run(own)).resumed.proactive).toBe(0);
    expect((await run(own)).resumed.proactive).toBe(episodes.length);
    rmSync(join(own, 'summary.json'));
    expect(heldOutputs(own).map((h) => h.writer)).toEqual(['eval']); // was nobody's: no data fingerprint in the library's run.json
  });
});
