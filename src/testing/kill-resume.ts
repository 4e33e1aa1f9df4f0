/**
 * kill -9 in the middle of a training run, then the same run with `resume: true` — the set-up the
 * resume tests share (tests/supervised-resume.test.ts, tests/rl-resume.test.ts). The run is a
 * TypeScript module written for each value of `resume`; it runs as a child (`spawnTsx`; the first with fs-fault.ts
 * preloaded, to die at an exact write), which is stopped when the test ends, even when the test times out.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import { RunDir } from '../nn/run-dir.js';
import { exited, spawnTsx, stopChild } from './child.js';
import { onTestFinished } from 'vitest';
import { withFault } from './cli-kill.js';

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
   * Starts the run so that it kills itself with SIGKILL as it starts writing its checkpoint at `step` (fs-fault.ts,
   * preloaded: its first write into that checkpoint's folder; never a kill from outside once a checkpoint shows, which
   * an idle machine could outrun to the end) and returns the step of the latest complete checkpoint left behind.
   */
  async killAtCheckpoint(step: number): Promise<number> {
    const { nodeArgs, env } = withFault({ op: 'write', path: `${sep}${basename(new RunDir(this.o.out).checkpointDir(step))}${sep}` });
    const child = spawn(process.execPath, [...nodeArgs, join(this.o.dir, 'first.mts')], { cwd: this.o.cwd, stdio: 'ignore', env });
    onTestFinished(() => stopChild(child)); // as spawnTsx: stopped when the test times out too
    try {
      await exited(child);
      if (child.signalCode !== 'SIGKILL') throw new Error(`the run exited (code ${child.exitCode}) without writing a checkpoint at step ${step}`);
    } finally {
      await stopChild(child);
    }
    return Math.max(...this.completeSteps());
  }

  /** Runs the resumed run to its end; resolves with its exit code. */
  resume(): Promise<number | null> {
    return exited(spawnTsx(join(this.o.dir, 'again.mts'), [], { cwd: this.o.cwd, stdio: 'ignore' }));
  }
}
