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
import { missingFolders, removeEmptyFolders } from '../util/fsx.js';
import { RUN_SETTINGS_FILE } from '../util/run-settings.js';
import { describeError } from '../util/errors.js';
import { lockDir } from '../eval/lock.js';
import { stoppable, type Orderly } from './signals.js';

/** The last line of a `train` stage whose --resume found its run finished: nothing was trained and nothing written. */
export function alreadyFinishedLine(stage: string, out: string): string {
  return `${stage}: ${out} was already finished, nothing to train; the model is ${out}/final (--overwrite starts over)`;
}

/**
 * Run `fn` holding the lock on `out` (`what` names the command in the refusal another process
 * gets); on Ctrl-C or SIGTERM print `askfirst: interrupted; ` + `resumeHint()` (computed then, so
 * it can name the latest checkpoint) and end by the signal (130 / 143 to a shell) (`stoppable` in cli/signals.ts: at once, or once an
 * `orderly` section of `fn` has closed what it opened). An --out this call created and left empty
 * (the command failed before writing anything but the settings it started with, run.json) is removed again, and so are
 * the folders on its way the lock created with it (`--out new/a/run`: new/ and new/a/ too, if still empty).
 * What `fn` hands `unlessDone` runs when the command ends without finishing, by an error or by a signal alike (a run
 * that wrote nothing yet puts back the settings of the run it was to replace: `KeptRun.undo`); it returns a function
 * that drops it again (a step that finished: `demo --seeds`' earlier seeds).
 */
export async function guardRun<T>(out: string, what: string, resumeHint: () => string, fn: (orderly: Orderly, unlessDone: UnlessDone) => Promise<T>): Promise<T> {
  const created = !existsSync(out);
  const made = missingFolders(out); // --out and the folders on its way the lock is to create (none when --out exists)
  const undos = new Set<() => void>();
  const unlessDone: UnlessDone = (undo) => {
    undos.add(undo);
    return () => undos.delete(undo);
  };
  const abandon = () => {
    for (const undo of [...undos].reverse()) {
      undos.delete(undo);
      try {
        undo();
      } catch (e) {
        process.stderr.write(`askfirst: ${describeError(e)}\n`); // said, not thrown: the error or signal that ended the command comes first
      }
    }
  };
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
    if (created && existsSync(out) && readdirSync(out).every((f) => f === RUN_SETTINGS_FILE)) {
      rmSync(out, { recursive: true, force: true });
      removeEmptyFolders(made.slice(1)); // --out itself is gone: its parents made with it, while empty
    }
  };
  try {
    // stopped before writing anything, it leaves no empty --out either
    const r = await stoppable(hint, (job) => fn(job.orderly, unlessDone), () => {
      abandon();
      done();
    });
    undos.clear();
    return r;
  } catch (e) {
    abandon();
    throw e;
  } finally {
    done();
  }
}

/** `guardRun`'s: have `undo` run if the command ends without finishing (an error, a signal); returns what drops it. */
export type UnlessDone = (undo: () => void) => () => void;
