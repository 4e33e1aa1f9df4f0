/**
 * kill -9 in the middle of the supervised stage, then --resume: training continues from the
 * last complete checkpoint (at most one checkpoint interval lost) and finishes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KillResume } from '../src/testing/kill-resume.js';
import { tmpDir } from '../src/testing/tmp.js';

const root = resolve(import.meta.dirname, '..');

function script(out: string, resume: boolean): string {
  return `import { trainSupervised } from ${JSON.stringify(join(root, 'src/rl/supervised.ts'))};
import { supervisedSuite } from ${JSON.stringify(join(root, 'src/suite/splits.ts'))};
await trainSupervised({ out: ${JSON.stringify(out)}, steps: 40, warmupSteps: 2, batchSize: 8, checkpointEvery: 5, logEvery: 1,
  resume: ${resume}, progress: false, model: { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8 } }, supervisedSuite({ episodes: 3, seed: 1, size: 32 }));`;
}

const steps = (out: string) => readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step as number);

describe('supervised stage survives kill -9', () => {
  it('resumes from the latest checkpoint and finishes', async () => {
    const dir = tmpDir('askfirst-resume');
    const out = join(dir, 'run');
    const run = new KillResume({ dir, out, cwd: root, script: (resume) => script(out, resume) });
    // Kill -9 as the third checkpoint starts: the second is complete.
    const saved = await run.killAtCheckpoint(15);
    expect(saved).toBe(10);
    expect(existsSync(join(out, 'final'))).toBe(false);
    expect(Math.max(...steps(out)) - saved).toBeLessThan(5 + 1); // at most one interval beyond the checkpoint

    expect(await run.resume()).toBe(0);
    expect(existsSync(join(out, 'final', 'model.safetensors'))).toBe(true);
    const after = steps(out);
    // The resumed run logs from the checkpoint on, through the last step.
    expect(after).toContain(saved + 1);
    expect(Math.max(...after)).toBe(40);
    // …and the lines logged after the checkpoint by the killed run are gone: each step once, in order.
    expect(after).toEqual([...after].sort((a, b) => a - b));
    expect(new Set(after).size).toBe(after.length);
    const final = JSON.parse(readFileSync(join(out, 'final', 'config.json'), 'utf8'));
    expect(final.training.step).toBe(40);
  }, 180_000);
});
