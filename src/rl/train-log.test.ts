/**
 * train.jsonl (issue 20): a fresh run into a directory that holds an old log starts a new log
 * (it does not append), and a resume keeps each step once (tests/supervised-resume.test.ts covers
 * the resume after kill -9). This was already right when the issue was filed; the test keeps it so.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { supervisedSuite } from '../suite/splits.js';
import { tmpDir } from '../testing/tmp.js';
import { finishedSeconds, trainSupervised } from './supervised.js';

describe('train.jsonl', () => {
  it('a fresh run into an old directory replaces the old log; --resume of a finished run leaves it', async () => {
    const out = join(tmpDir('askfirst-trainlog'), 'run');
    const suite = supervisedSuite({ episodes: 2, seed: 1, size: 32 });
    const cfg = { out, steps: 4, warmupSteps: 1, batchSize: 4, checkpointEvery: 2, logEvery: 1, progress: false, model: { imageSize: 32, channels: [4], hidden: 8, embedDim: 4 } };
    const steps = () => readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step as number);
    await trainSupervised({ ...cfg, resume: false }, suite, () => undefined);
    expect(steps()).toEqual([1, 2, 3, 4]);
    await trainSupervised({ ...cfg, resume: false }, suite, () => undefined);
    expect(steps()).toEqual([1, 2, 3, 4]);
    await trainSupervised({ ...cfg, resume: true }, suite, () => undefined);
    expect(steps()).toEqual([1, 2, 3, 4]);
  });

  it('logs the last step whatever --log-every, so a finished run holds its whole training time (finishedSeconds)', async () => {
    const out = join(tmpDir('askfirst-trainlog-last'), 'run');
    const suite = supervisedSuite({ episodes: 2, seed: 1, size: 32 });
    const r = await trainSupervised({ out, steps: 5, warmupSteps: 1, batchSize: 4, checkpointEvery: 10, logEvery: 2, progress: false, model: { imageSize: 32, channels: [4], hidden: 8, embedDim: 4 } }, suite, () => undefined);
    const rows = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(rows.map((l) => l.step)).toEqual([2, 4, 5]); // was: [2, 4], the last 1 step's time nowhere
    expect(await finishedSeconds(out, 5)).toBeCloseTo(r.seconds + r.setupSeconds, 9); // the steps' and the setup's
    expect(await finishedSeconds(out, 6)).toBeUndefined(); // a log that does not reach the step the run was to finish at
  });
});
