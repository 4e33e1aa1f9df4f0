/** The over-optimisation regime's time kept across the runs of the feedback demo that train it (gao-time.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunDir } from '../nn/run-dir.js';
import { tmpDir } from '../testing/tmp.js';
import { gaoKeptSeconds } from './gao-time.js';

/** A regime's run in `dir` stopped where the test says: checkpoints at updates 2 and 4 (every 2), its log of `updates` updates. */
function regime(dir: string, updates: number, finalAt?: number): void {
  mkdirSync(dir, { recursive: true });
  const run = new RunDir(dir);
  const weights = (d: string) => (mkdirSync(d, { recursive: true }), writeFileSync(join(d, 'model.safetensors'), ''));
  // training seconds: 5 an update, the fifth 6 (its val evaluation: the last update's)
  const seconds = (u: number) => (u <= 4 ? 5 * u : 20 + 6 * (u - 4));
  for (const u of [2, 4]) if (u <= updates) run.saveCheckpoint(u, weights, { update: u, seconds: seconds(u) + 0.01 });
  if (finalAt !== undefined) run.saveFinal((d) => (weights(d), writeFileSync(join(d, 'config.json'), JSON.stringify({ training: { update: finalAt } }))));
  writeFileSync(join(dir, 'rl.jsonl'), Array.from({ length: updates }, (_, i) => JSON.stringify({ update: i + 1, 'time/seconds': seconds(i + 1) }) + '\n').join(''));
}

describe("the over-optimisation regime's time a re-run keeps", () => {
  it('--gao-updates 5, --gao-eval-every 2, stopped after the last segment trained, before its evaluation: the points and the training after them', async () => {
    const dir = join(tmpDir('askfirst-gao-time-last'), 'gao-plain-10');
    regime(dir, 5, 5); // final/ at update 5: no checkpoint there (5 is not a multiple of 2)
    const points = [
      { update: 2, seconds: 14 }, // 10 s training, 4 s its test evaluation and setup
      { update: 4, seconds: 30 },
    ];
    // was: 20.01, the newest checkpoint's (update 4) training seconds: the 4 s evaluations and update 5's 6 s lost
    expect(await gaoKeptSeconds(dir, points, 5)).toBe(30 + 6);
  });

  it('stopped between two segments: the last point and the training kept after it (its checkpoint); nothing past it when none is kept', async () => {
    const dir = join(tmpDir('askfirst-gao-time-between'), 'gao-plain-10');
    regime(dir, 4, 4); // segment 2 trained (final/ and a checkpoint at 4), not yet evaluated
    expect(await gaoKeptSeconds(dir, [{ update: 2, seconds: 14 }], 4)).toBe(14 + 10);
    // a third segment stopped mid-way (its log went on, no checkpoint past 4): it is trained again, its time so far not kept
    writeFileSync(join(dir, 'rl.jsonl'), [1, 2, 3, 4, 5].map((u) => JSON.stringify({ update: u, 'time/seconds': 5 * u }) + '\n').join(''));
    expect(await gaoKeptSeconds(dir, [{ update: 2, seconds: 14 }, { update: 4, seconds: 30 }], 6)).toBe(30);
  });

  it('done: its last point; before any point: the training kept; an older askfirst\'s points (no seconds): undefined, for the fallback', async () => {
    const dir = join(tmpDir('askfirst-gao-time-done'), 'gao-plain-10');
    regime(dir, 5, 5);
    expect(await gaoKeptSeconds(dir, [{ update: 2, seconds: 14 }, { update: 4, seconds: 30 }, { update: 5, seconds: 41 }], 5)).toBe(41);
    expect(await gaoKeptSeconds(dir, [{ update: 2 }, { update: 4 }], 5)).toBeUndefined();
    const first = join(tmpDir('askfirst-gao-time-first'), 'gao-plain-10');
    regime(first, 2, 2); // the first segment trained, stopped in its evaluation
    expect(await gaoKeptSeconds(first, [], 2)).toBe(10);
    expect(await gaoKeptSeconds(join(first, '..', 'none'), [], 2)).toBe(0);
  });
});
