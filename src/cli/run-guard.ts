/**
 * The guard of a command that writes its progress into --out as it goes and continues from it when
 * run again (`train <stage>`, `demo`): one process at a time per --out (a lock file naming the
 * owner, `eval/lock.ts`: a second run is refused, a lock left by a killed one is taken over), and
 * Ctrl-C or SIGTERM stops it at once (`stoppable`, cli/signals.ts), saying what is kept and how to continue. Stopping at once is
 * safe: everything such a command writes is either complete (checkpoints are complete once their
 * state.json exists, finished stages once their final model does) or ignored when it resumes, as
 * after a kill -9. `export` and `suite generate` take the same guard: two of them writing into one --out would write
 * over each other (a suite's images of two seeds mixed; an export replacing the other's as it finishes).
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { RUN_SETTINGS_FILE } from '../util/run-settings.js';
import { lockDir } from '../eval/lock.js';
import { stoppable, type Orderly } from './signals.js';

/** The last line of a `train` stage whose --resume found its run finished: nothing was trained and nothing written. */
export function alreadyFinishedLine(stage: string, out: string): string {
  return `${stage}: ${out} was already finished, nothing to train; the model is ${out}/final (--overwrite starts over)`;
}

/**
 * Run `fn` holding the lock on `out` (`what` names the command in the refusal another process
 * gets); on Ctrl-C or SIGTERM print `askfirst: interrupted; ` + `resumeHint()` (computed then, so
 * it can name the latest checkpoint) and exit with 130 (143) (`stoppable` in cli/signals.ts: at once, or once an
 * `orderly` section of `fn` has closed what it opened). An --out this call created and left empty
 * (the command failed before writing anything but the settings it started with, run.json) is removed again.
 */
export async function guardRun<T>(out: string, what: string, resumeHint: () => string, fn: (orderly: Orderly) => Promise<T>): Promise<T> {
  const created = !existsSync(out);
  const lock = lockDir(out, what);
  const hint = () => {
    try {
      return resumeHint();
    } catch {
      return `what is in ${out} is kept; run the same command again to continue`;
    }
  };
  const done = () => {
    lock.release();
    // the settings kept for a resume (run.json) alone are nothing to resume: a run that failed before training leaves no --out
    if (created && existsSync(out) && readdirSync(out).every((f) => f === RUN_SETTINGS_FILE)) rmSync(out, { recursive: true, force: true });
  };
  try {
    return await stoppable(hint, (job) => fn(job.orderly), done); // stopped before writing anything, it leaves no empty --out either
  } finally {
    done();
  }
}
