/**
 * How long-running commands meet Ctrl-C and SIGTERM: servers close cleanly (their databases and
 * sockets) and exit 0, and batch jobs (eval, probes, report) say what is kept and exit 130 (143 for
 * SIGTERM) — at once while they write nothing, after the current batch while they run — and a
 * second signal quits at once.
 */
import { RunAborted } from '../agents/runner.js';
import { RequestAborted } from '../agents/http/retry.js';
import { SIGNAL_EXIT, type StopSignal } from './run-guard.js';
import { yieldToEventLoop } from '../util/yield.js';

/** How a server names itself and what its close releases, for the line it says when it stops (untilStopped). */
export interface Stopping {
  /** e.g. "askfirst serve" */
  name: string;
  /** e.g. "connections closed" */
  closed: string;
}

/**
 * Keep a server command running until Ctrl-C or SIGTERM, then close it and say so on stderr, the
 * same kind of line for every server: `askfirst serve: stopped by SIGTERM; connections closed`
 * (the serve commands share this). `ready` (the command's "listening on …" line) runs once the
 * handlers are in place: whoever waits for that line may send SIGTERM at once. A failure while
 * closing rejects, so the command reports it and exits non-zero; a clean stop is exit 0
 * (docs/hardening.md: stopping is how a server is meant to end).
 */
export function untilStopped(stopping: Stopping, close: () => Promise<void>, ready: () => void = () => {}): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stop = (sig: StopSignal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      close().then(() => {
        process.stderr.write(`${stoppedLine(stopping, sig)}\n`);
        resolve();
      }, reject);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    ready();
  });
}

/** The line a server says once it has stopped (untilStopped). */
export function stoppedLine(s: Stopping, sig: StopSignal): string {
  return `${s.name}: stopped by ${sig === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'}; ${s.closed}`;
}

/**
 * Ctrl-C and SIGTERM over a batch command (eval, the probes, report), from its first step to its exit, so that no phase
 * of it ends the process without a word. One pair of handlers listens all along (there is no gap between phases where
 * Node's default would end the process silently); what a signal does depends on the phase:
 * - outside `stopAfter` (reading data, drawing items, loading a policy, between one policy's run and the next, reading
 *   runs for a report: phases that write nothing), it says "askfirst: interrupted; " + `job.kept` (what is kept now, set
 *   by the command as it goes: nothing yet, the finished policies' results …) and exits at once with 130 (143 for SIGTERM);
 * - inside `job.stopAfter(step, kept, fn)` (a run, whose batches append results; writing files) it says once what is
 *   kept and aborts `fn`'s signal: `fn` stops after its current step, and the command then ends as `Interrupted` (main()
 *   exits with 130 / 143), even when that step was its last, so no later phase starts after a signal and a shell script
 *   running the command stops too (docs/hardening.md, "Training runs and the demo").
 * A second signal exits at once. Synchronous work (drawing scenes) sees a signal only once it hands the event loop a
 * turn: the drawing loops yield between scenes (util/yield.ts).
 */
export async function stoppable<T>(kept: string, fn: (job: StoppableJob) => Promise<T>): Promise<T> {
  const job = new StoppableJob(kept);
  const onInt = () => job.signalled('SIGINT');
  const onTerm = () => job.signalled('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return await fn(job);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

/** What a batch command tells `stoppable` of its phases. */
export class StoppableJob {
  private stoppedBy: StopSignal | undefined;
  private step: { ac: AbortController; after: string; kept: string } | undefined;

  /** `kept`: what a signal now keeps, said after "askfirst: interrupted; " (e.g. "nothing was saved …; run the same command again"). */
  constructor(public kept: string) {}

  /**
   * Run `fn`, a step that must not be cut short (a run, whose batches append results; writing a report): a signal
   * meanwhile says "askfirst: stopping after `after` (…); `kept`" and aborts `fn`'s signal; once `fn` settles the
   * command ends as `Interrupted`. The job's own "run interrupted" error (RunAborted, which names episodes, or an HTTP
   * request's RequestAborted) ends the same way, in the command's words, without repeating what is kept.
   */
  async stopAfter<T>(after: string, kept: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    // a signal that came during synchronous work before this step (loading a checkpoint) is acted on here, as one before
    // it: the event loop reads it in its poll phase, which the second of two immediates follows whatever phase this is
    for (let i = 0; i < 2; i++) await yieldToEventLoop();
    if (this.stoppedBy) throw new Interrupted(SIGNAL_EXIT[this.stoppedBy]);
    const step = { ac: new AbortController(), after, kept };
    this.step = step;
    let result: T;
    try {
      result = await fn(step.ac.signal);
    } catch (e) {
      // an openai: policy's (or judge's) requests in flight are aborted too, and one of theirs may be the error the job ends with
      if (this.stoppedBy && (e instanceof RunAborted || e instanceof RequestAborted)) throw new Interrupted(SIGNAL_EXIT[this.stoppedBy]);
      throw e;
    } finally {
      this.step = undefined;
    }
    if (this.stoppedBy) throw new Interrupted(SIGNAL_EXIT[this.stoppedBy]);
    return result;
  }

  /** Ctrl-C or SIGTERM came (stoppable's handlers). */
  signalled(sig: StopSignal): void {
    if (this.stoppedBy) return process.exit(SIGNAL_EXIT[sig]);
    this.stoppedBy = sig;
    if (!this.step) {
      process.stderr.write(`\naskfirst: interrupted; ${this.kept}\n`);
      return process.exit(SIGNAL_EXIT[sig]);
    }
    const again = sig === 'SIGINT' ? 'Ctrl-C again to quit now' : 'SIGTERM: another signal quits now';
    process.stderr.write(`\naskfirst: stopping after ${this.step.after} (${again}); ${this.step.kept}\n`);
    this.step.ac.abort();
  }
}


/** The error a job stopped by Ctrl-C (SIGTERM) ends with (what it kept was said at the signal); main() exits with `exitCode`. */
export class Interrupted extends RunAborted {
  constructor(readonly exitCode: number) {
    super(INTERRUPTED);
  }
}

const INTERRUPTED = 'run interrupted; re-run the same command to resume';

/** What a batch command keeps when stopped before its run started (`stoppable`'s first `kept`). */
export function nothingSavedYet(command: string): string {
  return `nothing was saved (${command} had not started its run yet); run the same command again`;
}
