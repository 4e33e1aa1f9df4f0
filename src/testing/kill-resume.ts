/**
 * kill -9 in the middle of a training run, then the same run with `resume: true` — the set-up the
 * resume tests share (tests/supervised-resume.test.ts, tests/rl-resume.test.ts). The run is a
 * TypeScript module written for each value of `resume`; it runs as a child (`spawnTsx`), which is
 * stopped when the test ends, even when the test times out.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunDir } from '../nn/run-dir.js';
import { exited, spawnTsx, stopChild } from './child.js';

export interface KillResumeOptions {
  /** Folder for the two scripts (the test's temp folder). */
  dir: string;
  /** The run's output folder, where its checkpoints appear. */
  out: string;
  /** The module's text, starting the run with `resume` set as given. */
  script: (resume: boolean) => string;
  /** Working directory of the children (the repository, for its node_modules). */
  cwd: string;
}

export class KillResume {
  constructor(private readonly o: KillResumeOptions) {
    writeFileSync(join(o.dir, 'first.mts'), o.script(false));
    writeFileSync(join(o.dir, 'again.mts'), o.script(true));
  }

  /** Steps of the complete checkpoints in the run's folder. */
  completeSteps(): number[] {
    return new RunDir(this.o.out).completeSteps();
  }

  /**
   * Starts the run, waits until a complete checkpoint at `step` or later exists, kills the run
   * with SIGKILL and returns the step of the latest complete checkpoint left behind.
   */
  async killAfterCheckpoint(step: number, withinMs: number): Promise<number> {
    const child = spawnTsx(join(this.o.dir, 'first.mts'), [], { cwd: this.o.cwd, stdio: 'ignore' });
    const t0 = Date.now();
    while (!this.completeSteps().some((s) => s >= step)) {
      if (child.exitCode !== null) throw new Error(`the run exited (code ${child.exitCode}) before a checkpoint at step ${step}`);
      if (Date.now() - t0 > withinMs) throw new Error(`no checkpoint at step ${step} within ${withinMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await stopChild(child);
    return Math.max(...this.completeSteps());
  }

  /** Runs the resumed run to its end; resolves with its exit code. */
  resume(): Promise<number | null> {
    return exited(spawnTsx(join(this.o.dir, 'again.mts'), [], { cwd: this.o.cwd, stdio: 'ignore' }));
  }
}
