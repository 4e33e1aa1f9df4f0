/**
 * kill -9 in the middle of an RL run, then --resume: the run continues from its last complete
 * checkpoint (at most one checkpoint interval lost), its log holds every update exactly once,
 * and it finishes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KillResume } from '../src/testing/kill-resume.js';
import { tmpDir } from '../src/testing/tmp.js';

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

const rows = (file: string) => readFileSync(file, 'utf8').trim().split('\n');
const updatesIn = (file: string) => rows(file).map((l) => JSON.parse(l).update as number);

describe('RL run survives kill -9', () => {
  it('resumes from the latest checkpoint, logs each update once, and finishes', async () => {
    const dir = tmpDir('askfirst-rlresume');
    const out = join(dir, 'run');
    const log = join(out, 'rl.jsonl');
    const run = new KillResume({ dir, out, cwd: root, script: (resume) => script(out, resume) });
    // Kill -9 as the third checkpoint starts: the second is complete.
    const saved = await run.killAtCheckpoint(3 * EVERY);
    expect(saved).toBe(2 * EVERY);
    expect(existsSync(join(out, 'final'))).toBe(false);
    expect(saved).toBeLessThan(UPDATES);
    const before = rows(log);
    expect(Math.max(...updatesIn(log)) - saved).toBeLessThanOrEqual(EVERY); // at most one interval lost

    expect(await run.resume()).toBe(0);
    expect(existsSync(join(out, 'final', 'model.safetensors'))).toBe(true);
    // The log was cut back to the checkpoint and continued: every update exactly once.
    expect(updatesIn(log)).toEqual(Array.from({ length: UPDATES }, (_, i) => i + 1));
    // The resumed run kept the updates up to the checkpoint as they were (timings included), so
    // it did not start over: a restart would have logged them anew.
    expect(rows(log).slice(0, saved)).toEqual(before.slice(0, saved));
  }, 240_000);
});
