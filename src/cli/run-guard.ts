/**
 * The guard of a command that writes its progress into --out as it goes and continues from it when
 * run again (`train <stage>`, `demo`): one process at a time per --out (a lock file naming the
 * owner, `eval/lock.ts`: a second run is refused, a lock left by a killed one is taken over), and
 * Ctrl-C or SIGTERM stops it at once, saying what is kept and how to continue. Stopping at once is
 * safe: everything such a command writes is either complete (checkpoints are complete once their
 * state.json exists, finished stages once their final model does) or ignored when it resumes, as
 * after a kill -9. `export` and `suite generate` take the same guard: two of them writing into one --out would write
 * over each other (a suite's images of two seeds mixed; an export replacing the other's as it finishes).
 */
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import { lockDir } from '../eval/lock.js';

/** The last line of a `train` stage whose --resume found its run finished: nothing was trained and nothing written. */
export function alreadyFinishedLine(stage: string, out: string): string {
  return `${stage}: ${out} was already finished, nothing to train; the model is ${out}/final (--overwrite starts over)`;
}

/** Exit code of a process stopped by this signal (the shell's 128 + its number). */
export const SIGNAL_EXIT: Readonly<Record<'SIGINT' | 'SIGTERM', number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Run `fn` holding the lock on `out` (`what` names the command in the refusal another process
 * gets); on Ctrl-C or SIGTERM print `askfirst: interrupted; ` + `resumeHint()` (computed then, so
 * it can name the latest checkpoint) and exit with 130 (143) (`exitOnInterrupt`; at once, or once an
 * `orderly` section of `fn` has closed what it opened). An --out this call created and left empty
 * (the command failed before writing anything) is removed again.
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
    if (created && existsSync(out) && readdirSync(out).length === 0) rmdirSync(out);
  };
  try {
    return await exitOnInterrupt(hint, fn, done); // stopped before writing anything, it leaves no empty --out either
  } finally {
    done();
  }
}

/**
 * A section of a command guarded by `exitOnInterrupt` that must end in order — it holds a database or a server open,
 * which an exit at once would leave locked: `orderly(doing, fn)` runs `fn` so that Ctrl-C or SIGTERM meanwhile says
 * `askfirst: stopping: ${doing}` and aborts `fn`'s signal instead of exiting. `fn` stops after its current unit of
 * work (a label) and closes what it opened; once it has settled the command exits as it would have at once (the hint,
 * 130 / 143). A second signal exits at once.
 */
export type Orderly = <T>(doing: string, fn: (signal: AbortSignal) => Promise<T>) => Promise<T>;

/**
 * Run `fn`; on Ctrl-C or SIGTERM meanwhile print `askfirst: interrupted; ` + `hint()` (computed then: what is kept and
 * how to continue) and exit with 130 (143) at once, after `onStop` (e.g. releasing a lock) — or, inside an `orderly`
 * section of `fn`, once that section has stopped and closed what it opened. For a command whose writes are each complete
 * or ignored when it runs again (train, demo, export, suite generate, the feedback demo), so stopping at once loses no
 * finished work. The handlers are gone once `fn` settles.
 */
export async function exitOnInterrupt<T>(hint: () => string, fn: (orderly: Orderly) => Promise<T>, onStop: () => void = () => {}): Promise<T> {
  let section: { doing: string; stop: AbortController } | undefined;
  let stoppedBy: StopSignal | undefined;
  const exit = (sig: StopSignal) => {
    process.stderr.write(`\naskfirst: interrupted; ${hint()}\n`);
    onStop();
    process.exit(SIGNAL_EXIT[sig]);
  };
  const onSignal = (sig: StopSignal) => {
    if (!section || stoppedBy) return exit(sig);
    stoppedBy = sig;
    const again = sig === 'SIGINT' ? 'Ctrl-C again to quit now' : 'SIGTERM: another signal quits now';
    process.stderr.write(`\naskfirst: stopping: ${section.doing} (${again})\n`);
    section.stop.abort();
  };
  const orderly: Orderly = async (doing, body) => {
    section = { doing, stop: new AbortController() };
    try {
      return await body(section.stop.signal);
    } finally {
      section = undefined;
      if (stoppedBy) exit(stoppedBy);
    }
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return await fn(orderly);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

/** The signals that stop a command (SIGINT: Ctrl-C). */
export type StopSignal = keyof typeof SIGNAL_EXIT;
