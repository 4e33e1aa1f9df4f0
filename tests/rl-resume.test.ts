/**
 * kill -9 in the middle of an RL run, then --resume: the run continues from its last complete
 * checkpoint (at most one checkpoint interval lost), its log holds every update exactly once,
 * and it finishes.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exited, spawnTsx, stopChild } from '../src/testing/child.js';
import { tmpDir } from '../src/testing/tmp.js';
import { RunDir } from '../src/nn/run-dir.js';

const root = resolve(import.meta.dirname, '..');
const UPDATES = 150;
const EVERY = 4;

function script(out: string, resume: boolean): string {
  const src = (p: string) => JSON.stringify(join(root, p));
  return `import { generateSuite } from ${src('src/suite/generate.ts')};
import { newBuiltin } from ${src('src/agents/builtin/build.ts')};
import { trainGRPO } from ${src('src/rl/grpo.ts')};
const train = generateSuite({ episodes: 6, seed: 1, size: 32, kinds: ['sketch', 'camera'] });
const policy = newBuiltin(train, { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8, headHidden: 8, projDim: 8 });
await trainGRPO({ out: ${JSON.stringify(out)}, updates: ${UPDATES}, episodesPerUpdate: 4, groupSize: 2, checkpointEvery: ${EVERY}, evalEvery: 1000,
  resume: ${resume}, progress: false }, { policy, train, val: train.slice(0, 2), loader: async (v) => v.image });`;
}

const run = (file: string) => spawnTsx(file, [], { cwd: root, stdio: 'ignore' });
const rows = (file: string) => readFileSync(file, 'utf8').trim().split('\n');
const updatesIn = (file: string) => rows(file).map((l) => JSON.parse(l).update as number);

describe('RL run survives kill -9', () => {
  it('resumes from the latest checkpoint, logs each update once, and finishes', async () => {
    const dir = tmpDir('askfirst-rlresume');
    // A failed wait or assertion must not leave a training child running (and writing into dir).
    let child: ChildProcess | undefined;
    let again: ChildProcess | undefined;
    try {
      const out = join(dir, 'run');
      writeFileSync(join(dir, 'first.mts'), script(out, false));
      writeFileSync(join(dir, 'again.mts'), script(out, true));
      child = run(join(dir, 'first.mts'));
      const complete = () => new RunDir(out).completeSteps();
      // Wait for the second complete checkpoint, then kill -9.
      const t0 = Date.now();
      while (!complete().some((step) => step >= 2 * EVERY)) {
        if (Date.now() - t0 > 120_000) throw new Error('no checkpoint within 120 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      await stopChild(child);
      expect(existsSync(join(out, 'final'))).toBe(false);
      const saved = Math.max(...complete());
      expect(saved).toBeLessThan(UPDATES);
      const before = rows(join(out, 'rl.jsonl'));
      expect(Math.max(...updatesIn(join(out, 'rl.jsonl'))) - saved).toBeLessThanOrEqual(EVERY); // at most one interval lost

      again = run(join(dir, 'again.mts'));
      expect(await exited(again)).toBe(0);
      expect(existsSync(join(out, 'final', 'model.safetensors'))).toBe(true);
      // The log was cut back to the checkpoint and continued: every update exactly once.
      expect(updatesIn(join(out, 'rl.jsonl'))).toEqual(Array.from({ length: UPDATES }, (_, i) => i + 1));
      // The resumed run kept the updates up to the checkpoint as they were (timings included), so
      // it did not start over: a restart would have logged them anew.
      expect(rows(join(out, 'rl.jsonl')).slice(0, saved)).toEqual(before.slice(0, saved));
    } finally {
      await stopChild(child);
      await stopChild(again);
    }
  }, 240_000);
});
