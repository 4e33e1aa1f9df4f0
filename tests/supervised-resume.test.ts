/**
 * kill -9 in the middle of the supervised stage, then --resume: training continues from the
 * last complete checkpoint (at most one checkpoint interval lost) and finishes.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exited, spawnTsx, stopChild } from '../src/testing/child.js';
import { tmpDir } from '../src/testing/tmp.js';
import { RunDir } from '../src/nn/run-dir.js';

const root = resolve(import.meta.dirname, '..');

function script(out: string, resume: boolean): string {
  return `import { trainSupervised } from ${JSON.stringify(join(root, 'src/rl/supervised.ts'))};
import { supervisedSuite } from ${JSON.stringify(join(root, 'src/suite/splits.ts'))};
await trainSupervised({ out: ${JSON.stringify(out)}, steps: 40, warmupSteps: 2, batchSize: 8, checkpointEvery: 5, logEvery: 1,
  resume: ${resume}, progress: false, model: { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8 } }, supervisedSuite({ episodes: 3, seed: 1, size: 32 }));`;
}

function run(file: string) {
  return spawnTsx(file, [], { cwd: root, stdio: 'ignore' });
}

describe('supervised stage survives kill -9', () => {
  it('resumes from the latest checkpoint and finishes', async () => {
    const dir = tmpDir('askfirst-resume');
    // A failed wait or assertion must not leave a training child running (and writing into dir).
    let child: ChildProcess | undefined;
    let again: ChildProcess | undefined;
    try {
      const out = join(dir, 'run');
      writeFileSync(join(dir, 'first.mts'), script(out, false));
      writeFileSync(join(dir, 'again.mts'), script(out, true));
      child = run(join(dir, 'first.mts'));
      const runDir = new RunDir(out);
      // Wait for the second checkpoint, then kill -9.
      const t0 = Date.now();
      while (!runDir.completeSteps().some((s) => s >= 10)) {
        if (Date.now() - t0 > 90_000) throw new Error('no checkpoint within 90 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      await stopChild(child);
      expect(existsSync(join(out, 'final'))).toBe(false);
      const saved = Math.max(...runDir.completeSteps());
      const stepsBefore = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step as number);
      expect(Math.max(...stepsBefore) - saved).toBeLessThan(5 + 1); // at most one interval beyond the checkpoint

      again = run(join(dir, 'again.mts'));
      const code = await exited(again);
      expect(code).toBe(0);
      expect(existsSync(join(out, 'final', 'model.safetensors'))).toBe(true);
      const steps = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step as number);
      // The resumed run logs from the checkpoint on, through the last step.
      expect(steps).toContain(saved + 1);
      expect(Math.max(...steps)).toBe(40);
      // …and the lines logged after the checkpoint by the killed run are gone: each step once, in order.
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
      expect(new Set(steps).size).toBe(steps.length);
      const final = JSON.parse(readFileSync(join(out, 'final', 'config.json'), 'utf8'));
      expect(final.training.step).toBe(40);
    } finally {
      await stopChild(child);
      await stopChild(again);
    }
  }, 180_000);
});
