import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { demoStagesHeld, demoStopped } from './demo-stopped.js';

/** A complete checkpoint of the run in `dir` at `step`, by the run `runId` (its state.json, what makes it complete). */
function checkpoint(dir: string, step: number, runId: string): void {
  const ckpt = join(dir, 'checkpoints', `step-${String(step).padStart(7, '0')}`);
  mkdirSync(ckpt, { recursive: true });
  writeFileSync(join(ckpt, 'state.json'), JSON.stringify({ format: 'askfirst-checkpoint-state', version: 1, step, runId }));
}

/** The final model of the run in `dir`, by the run `runId` (its checkpoint at `step` kept beside it, as a finished run's is). */
function finished(dir: string, step: number, runId: string): void {
  checkpoint(dir, step, runId);
  mkdirSync(join(dir, 'final'), { recursive: true });
  writeFileSync(join(dir, 'final', 'config.json'), '{}');
  writeFileSync(join(dir, 'final', 'run-id'), runId);
}

describe('what a demo stopped by a signal says it keeps (demoStopped)', () => {
  it('names each stage finished and the checkpoint the stage in progress resumes from', () => {
    const out = tmpDir('af-demo-stopped');
    finished(join(out, 'supervised'), 150, 'a');
    checkpoint(join(out, 'rl'), 25, 'b');
    expect(demoStopped(out)).toBe(
      `kept in ${out}: supervised finished, rl up to rl/checkpoints/step-0000025 (what it trained after that is trained again); run the same command again to continue (finished stages are skipped, the training in progress resumes from its latest checkpoint)`,
    );
  });

  it('stopped before the first checkpoint, says nothing was kept (was: "the finished stages and the training checkpoints … are kept")', () => {
    const out = tmpDir('af-demo-stopped');
    mkdirSync(join(out, 'supervised'), { recursive: true });
    writeFileSync(join(out, 'run.json'), '{}');
    expect(demoStopped(out)).toBe(`no stage finished and no checkpoint was written yet in ${out}; run the same command again to start over`);
  });

  it('a --fresh demo: names only its own stages, continued without --fresh (was: "run the same command again", which starts over)', () => {
    const out = tmpDir('af-demo-stopped');
    // the demo it replaces: every stage finished
    for (const d of ['supervised', 'rl', 'baseline-rp0.5', 'baseline-rp1.0']) finished(join(out, d), 150, `old-${d}`);
    const held = demoStagesHeld(out);
    expect(demoStopped(out, true, held)).toBe(`no checkpoint of this --fresh demo was written yet in ${out}; run the same command again to start over`);
    // its supervised stage started over (the old checkpoints removed) and wrote its first checkpoint; the old final model stays until it ends
    rmSync(join(out, 'supervised', 'checkpoints'), { recursive: true });
    checkpoint(join(out, 'supervised'), 100, 'new');
    const line = demoStopped(out, true, held);
    expect(line).toBe(
      `kept in ${out}: supervised up to supervised/checkpoints/step-0000100 (what it trained after that is trained again); run the demo again without --fresh to continue from them (finished stages are skipped, the training in progress resumes from its latest checkpoint; with --fresh it starts over)`,
    );
    expect(line).not.toContain('rl finished'); // the replaced demo's RL runs are not this one's
  });
});
