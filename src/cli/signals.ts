/**
 * How long-running commands meet Ctrl-C and SIGTERM: servers close cleanly (their databases and
 * sockets, once the requests in flight are answered) and then end by that signal like every other command
 * (`serveUntilStopped`), a second signal cutting that short (`untilStopped`); every other long command stops after its current unit of
 * work, says what is kept and ends by that signal (a shell sees 130, 143 for SIGTERM; `endBySignal` says why not an
 * exit with that code) — at once while it writes nothing or only what is complete, after the current batch or label while
 * it is inside a step — and a second signal quits at once (`stoppable`).
 */
import { RunAborted } from '../agents/runner.js';
import { RequestAborted } from '../agents/http/retry.js';
import { yieldToEventLoop } from '../util/yield.js';
import { withKept } from '../util/fs-errors.js';
import { interruptOpenBars } from '../util/progress.js';
import { endAtExit } from '../util/at-exit.js';
import { exitAfterOutput, isExiting, onSignalUnlessExiting, untilExit } from '../util/exit-after-output.js';

/** Exit code of a process stopped by this signal (the shell's 128 + its number). */
export const SIGNAL_EXIT: Readonly<Record<'SIGINT' | 'SIGTERM', number>> = { SIGINT: 130, SIGTERM: 143 };

/** The signals that stop a command (SIGINT: Ctrl-C). */
export type StopSignal = keyof typeof SIGNAL_EXIT;

/**
 * The signals a command ends by (`endBySignal`), with the status a shell sees: those that stop it, and SIGPIPE, its
 * reader gone (cli/closed-pipe.ts: 141, 128 + 13).
 */
export const ENDING_EXIT: Readonly<Record<StopSignal | 'SIGPIPE', number>> = { ...SIGNAL_EXIT, SIGPIPE: 141 };

/** A signal a command ends by (`endBySignal`). */
export type EndingSignal = keyof typeof ENDING_EXIT;

/** How a server names itself and what its close releases, for the line it says when it stops (untilStopped). */
export interface Stopping {
  /** e.g. "askfirst serve" */
  name: string;
  /** e.g. "connections closed" */
  closed: string;
  /**
   * Requests being answered, for a server whose close answers them first (server/listen.ts `drain`): at the
   * signal it says how many it waits for, and that a second signal cuts them.
   */
  inFlight?: () => number;
}

/**
 * A server command (`serve`, `env serve`, `feedback serve`): serve until Ctrl-C or SIGTERM (`untilStopped`), then, its
 * listener closed, the requests in flight answered and what it holds closed, end by that signal once its event loop has
 * drained (`endOnceDrained`: 130, 143 for SIGTERM, to a shell), as every interrupted askfirst command does — so that
 * `askfirst serve …; next` in a shell script stops at Ctrl-C instead of running `next`. It used to exit 0.
 * Not a failure to a supervisor: systemd counts a death by SIGINT or SIGTERM as a clean stop (only an exit with code
 * 143 would be one), and uvicorn (≥ 0.29) ends by the signal after its graceful shutdown too (docs/hardening.md,
 * "Every server").
 */
export async function serveUntilStopped(stopping: Stopping, close: () => Promise<void>, ready: () => void = () => {}): Promise<void> {
  endOnceDrained(await untilStopped(stopping, close, ready));
}

/**
 * Keep a server running until Ctrl-C or SIGTERM, then close it and say so on stderr, the
 * same kind of line for every server: `askfirst serve: stopped by SIGTERM; connections closed`; resolves with the
 * signal (`serveUntilStopped` ends the command by it). `ready` (the command's "listening on …" line) runs once the
 * handlers are in place: whoever waits for that line may send SIGTERM at once. A close that answers
 * the requests in flight first (`inFlight`) says so when there are any ("stopping: answering the 2
 * requests in flight first (Ctrl-C again cuts them)"); a second signal during any close exits at once,
 * saying so, by the signal (130, 143 for SIGTERM, to a shell), as every command's second signal does. A failure while
 * closing rejects, so the command reports it and exits non-zero.
 */
export function untilStopped(stopping: Stopping, close: () => Promise<void>, ready: () => void = () => {}): Promise<StopSignal> {
  return new Promise<StopSignal>((resolve, reject) => {
    let first: StopSignal | undefined;
    // not while exiting already (a reader gone, a second signal): exitAfterOutput's listener exits at once
    const done = onSignalUnlessExiting((sig) => stop(sig));
    const stop = (sig: StopSignal) => {
      if (first) {
        const cut = stopping.inFlight?.() ?? 0;
        process.stderr.write(`${stopping.name}: stopped at once by a second ${sig === 'SIGINT' ? 'Ctrl-C' : 'signal'}${cut ? `; ${cut} request${cut === 1 ? '' : 's'} in flight cut` : ''}\n`);
        done();
        return exitNow(sig); // as a job's exit: not held by a thread blocked in a read
      }
      first = sig;
      const waiting = stopping.inFlight?.() ?? 0;
      // closing first: its synchronous part stops listening, so no client that read the line below can still connect
      // (a connection the kernel queued before the listener closed is reset: ECONNRESET where ECONNREFUSED was meant)
      const closed = close();
      if (waiting) {
        const again = sig === 'SIGINT' ? 'Ctrl-C again' : 'another signal';
        process.stderr.write(`${stopping.name}: stopping: answering the ${waiting} request${waiting === 1 ? '' : 's'} in flight first (${again} cuts them)\n`);
      }
      closed.then(
        () => {
          if (isExiting()) return; // a second signal came: exiting at once, once what was said is out
          done();
          process.stderr.write(`${stoppedLine(stopping, sig)}\n`);
          resolve(sig);
        },
        (e: unknown) => {
          done();
          reject(e);
        },
      );
    };
    ready();
  });
}

/** The line a server says once it has stopped (untilStopped). */
export function stoppedLine(s: Stopping, sig: StopSignal): string {
  return `${s.name}: stopped by ${sig === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'}; ${s.closed}`;
}

/**
 * Ctrl-C and SIGTERM over a command that must stop after its current unit of work, not in the middle of it — the one
 * mechanism every such command goes through (eval, the probes, report, feedback simulate, pairs, import and illume; and
 * train, demo, export, suite generate and the feedback demo, through `guardRun` in run-guard.ts). One pair of handlers listens from `fn`'s
 * start to its end (there is no gap between phases where Node's default would end the process silently); what a
 * signal does depends on the phase:
 * - outside a step (reading data, drawing items, loading a policy, between one policy's run and the next, training,
 *   whose writes are each complete or ignored when it runs again), it says "askfirst: interrupted; " + what is kept
 *   (`kept`, or `job.kept` as the command sets it as it goes; a function is asked then, so it can name the latest
 *   checkpoint) and ends at once by the signal (`exitNow`: 130, 143 for SIGTERM, to a shell), after `onExit` (e.g. releasing a lock);
 * - inside a step it says "askfirst: stopping …" and aborts the step's signal: the step stops after its current unit
 *   of work (a batch, a label) and closes what it opened. A `job.stopAfter` step (a run, whose batches append results;
 *   writing a report) says what is kept at once, and the command then ends as `Interrupted` (main() ends by the
 *   signal once its event loop has drained), even when that step was its last, so no later phase starts after a signal and a shell script running
 *   the command stops too (docs/hardening.md, "Training runs and the demo"); a `job.orderly` section (one that holds a
 *   database or a server open, which an exit at once would leave locked) exits once it has settled, as it would have
 *   at once.
 * A second signal exits at once, saying what is kept unless that was said already. A signal once the process is exiting
 * (`isExiting`: its reader gone, cli/closed-pipe.ts) is left to `exitAfterOutput`'s own listener, which exits at once:
 * no "stopping after …" for a step that will not be let finish. Synchronous work (drawing scenes)
 * sees a signal only once it hands the event loop a turn: the drawing loops yield between scenes (util/yield.ts).
 * A full disk ends the command as a signal would have there, in one line that says so, names the file, and says what
 * is kept and how to go on in the same words (`withKept`, util/fs-errors.ts; a step's `kept`, then "re-run the same
 * command again to resume").
 */
export async function stoppable<T>(kept: Kept, fn: (job: StoppableJob) => Promise<T>, onExit: () => void = () => {}): Promise<T> {
  const job = new StoppableJob(kept, onExit);
  job.listen();
  try {
    return await fn(job);
  } catch (e) {
    throw withKept(e, typeof job.kept === 'function' ? job.kept() : job.kept);
  } finally {
    job.unlisten();
  }
}

/** What a signal keeps, said after "askfirst: interrupted; " (e.g. "nothing was saved …; run the same command again"); a function is asked at the signal. */
export type Kept = string | (() => string);

/** `job.orderly`: run a section that must end in order (a database or a server open) so that a signal meanwhile aborts its signal instead of exiting. */
export type Orderly = <T>(doing: string, fn: (signal: AbortSignal) => Promise<T>) => Promise<T>;

/** A step a signal lets finish, as the line it says names it: `after` it stops (and what is then `kept`), or what it is `doing`. */
type Step = { stop: AbortController } & ({ after: string; kept: string } | { doing: string });

/** What a command tells `stoppable` of its phases. */
export class StoppableJob {
  private stoppedBy: StopSignal | undefined;
  private step: Step | undefined;
  /** What is kept was said (by "interrupted; …" or a `stopAfter` step's "stopping after …; …"): a second signal exits without a word. */
  private keptSaid = false;

  /** Stops listening (`unlisten`), while it listens. */
  private stopListening: (() => void) | undefined;

  /** `kept`: what a signal now keeps (see `Kept`); the command updates it as it goes. */
  constructor(
    public kept: Kept,
    private readonly onExit: () => void = () => {},
  ) {}

  /**
   * Listen for Ctrl-C and SIGTERM (stoppable, from the job's start), except once the process is exiting (its reader
   * gone: cli/closed-pipe.ts): `onSignalUnlessExiting` leaves such a signal to exitAfterOutput's listener, which exits at once.
   */
  listen(): void {
    this.stopListening ??= onSignalUnlessExiting((sig) => this.signalled(sig));
  }

  /** Stop listening (the job's end, or its exit: a signal after that has Node's default effect, ending the process). */
  unlisten(): void {
    this.stopListening?.();
    this.stopListening = undefined;
  }

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
    if (this.stoppedBy) throw new Interrupted(this.stoppedBy);
    const step = { stop: new AbortController(), after, kept };
    this.step = step;
    let result: T;
    try {
      result = await fn(step.stop.signal);
    } catch (e) {
      // an openai: policy's (or judge's) requests in flight are aborted too, and one of theirs may be the error the job ends with
      if (this.stoppedBy && (e instanceof RunAborted || e instanceof RequestAborted)) throw new Interrupted(this.stoppedBy);
      throw withKept(e, `${kept}; ${RERUN}`); // a full disk: what is kept, as a signal here would say it

    } finally {
      this.step = undefined;
    }
    if (this.stoppedBy) throw new Interrupted(this.stoppedBy);
    return result;
  }

  /**
   * Run `fn`, a section that holds a database or a server open, so that a signal meanwhile says
   * "askfirst: stopping: `doing` (…)" and aborts `fn`'s signal instead of exiting: `fn` stops after its current unit of
   * work (a label) and closes what it opened; once it has settled the command exits as it would have at once (what is
   * kept, by the signal). A property, so that it can be handed on alone (`guardRun`'s `fn(orderly)`).
   */
  readonly orderly: Orderly = async (doing, fn) => {
    const step = { stop: new AbortController(), doing };
    this.step = step;
    try {
      return await fn(step.stop.signal);
    } finally {
      this.step = undefined;
      if (this.stoppedBy) {
        this.exit(this.stoppedBy);
        await untilExit(); // its output still on its way to a slow reader: nothing after this section runs
      }
    }
  };

  /** Ctrl-C or SIGTERM came (stoppable's handlers; not while the process is exiting: `listen`). */
  signalled(sig: StopSignal): void {
    if (this.stoppedBy || !this.step) {
      this.stoppedBy ??= sig;
      return this.exit(sig);
    }
    this.stoppedBy = sig;
    const again = sig === 'SIGINT' ? 'Ctrl-C again to quit now' : 'SIGTERM: another signal quits now';
    if ('after' in this.step) {
      process.stderr.write(`\naskfirst: stopping after ${this.step.after} (${again}); ${this.step.kept}\n`);
      this.keptSaid = true;
    } else process.stderr.write(`\naskfirst: stopping: ${this.step.doing} (${again})\n`);
    this.step.stop.abort();
  }

  /**
   * Exit now for `sig` (`exitNow`), saying what is kept unless it was said, after `onExit`. The progress bars still
   * open (a training stage's, cut between two steps) say first that they stopped there (`interruptOpenBars`), not
   * left drawn at "3/200 steps" on a terminal or ended without a word when piped. The line starts on a line of its own:
   * after a bar's stopped line it is there already (a blank line between them was left, piped and on a terminal);
   * without one a newline comes first, past the "^C" a terminal echoed where its cursor was.
   */
  private exit(sig: StopSignal): void {
    const lead = interruptOpenBars() > 0 ? '' : '\n';
    if (!this.keptSaid) process.stderr.write(`${lead}askfirst: interrupted; ${typeof this.kept === 'function' ? this.kept() : this.kept}\n`);
    this.keptSaid = true;
    this.onExit();
    this.unlisten();
    exitNow(sig);
  }
}

/**
 * End the process for `sig` now, by the signal itself (`endBySignal`: a shell sees 130, 143 for SIGTERM), once what it
 * wrote to stdout and stderr is out and its clean-ups at exit have run (lock files released, a half-made database's
 * folder removed), without waiting on a thread that may never return. Node's exit (`process.exit`) joins the threads of
 * libuv's pool, and one blocked in a call that never returns — reading a named pipe nobody writes to (or opens for
 * writing), a stalled network mount, a DNS lookup no server answers — held the exit for as long, Node's signal handling
 * already closed (a second Ctrl-C did nothing; only kill -9 ended it); the signal ends the process before that join.
 * Its output is waited for first (`exitAfterOutput`, util/exit-after-output.ts): a pipe whose reader was more than its
 * 64 KiB behind lost what had not reached it — the summary before, "askfirst: interrupted; …" itself (`askfirst eval
 * … 2>&1 | tee log`). Meanwhile the command's work stands still at its next turn of the event loop, and a further
 * signal exits at once. Returns (the caller's code goes on to its next turn) only while that output is waited for.
 */
export function exitNow(sig: StopSignal): void {
  endBySignal(sig);
  exitAfterOutput(SIGNAL_EXIT[sig]); // a further signal while it waits: at once
}

/**
 * Have the process, when it exits with 130 (143 for SIGTERM; 141 for SIGPIPE, its reader gone: cli/closed-pipe.ts) — at
 * once (`exitNow`) or once a job that ended as `Interrupted` has let its event loop drain (main(): its stdout and stderr
 * then written out) — end by `sig` instead:
 * after its clean-ups at exit (util/at-exit.ts: lock files released, a half-made database's folder removed — those
 * registered after this call too, by work still under way while the exit waits for its output), its own listeners for
 * `sig` removed (none of them can run any more), the signal is sent to itself with its default effect, so the kernel
 * ends the process there, no further code running (`raiseAtExit`, the at-exit list's ending, run after every clean-up).
 * Why by the signal: a shell sees the same 130 / 143, but a shell script (or loop) whose command was stopped by
 * Ctrl-C stops too only when that command died by SIGINT; one that exited 130 is taken to have handled the Ctrl-C, and
 * the script runs its next command (bash's "wait and cooperative exit"; docs/hardening.md has the figures). And the
 * signal ends the process before Node's exit joins the threads of libuv's pool, which one blocked in a call that never
 * returns (opening a named pipe nobody opens) held for ever, Ctrl-C and SIGTERM no longer heard (`exitNow`). A parent
 * process sees the signal, not the code. If the signal is not delivered (a handler outside Node's listeners), the exit
 * goes on with its code, no clean-up run twice; an exit with another code (an error's 1, decided since) stays as it is.
 * Whichever signal came last.
 */
export function endBySignal(sig: EndingSignal): void {
  if (!endingBy) endAtExit(raiseAtExit);
  endingBy = sig;
}

/** `endBySignal`'s ending at exit, after every clean-up: the signal raised if the exit's status is its own. */
function raiseAtExit(code: number): void {
  if (!endingBy || code !== ENDING_EXIT[endingBy]) return;
  raise(endingBy);
}

let endingBy: EndingSignal | undefined;

/**
 * End the command by `sig` once its event loop has drained (what it wrote is out, its clean-ups at exit run): its exit
 * status 130 (143 for SIGTERM), turned into the signal itself by `endBySignal`. What main() does for a job that ended
 * as `Interrupted`; a server that stopped cleanly at a signal (`serveUntilStopped`) has no error to throw.
 */
export function endOnceDrained(sig: StopSignal): void {
  process.exitCode = SIGNAL_EXIT[sig];
  endBySignal(sig);
}

function raise(sig: EndingSignal): void {
  // the last listener removed restores the signal's default effect (libuv), SIGPIPE's too, which Node ignores from its
  // start and never listened for: one added and removed
  const none = () => {};
  process.on(sig, none);
  process.removeAllListeners(sig);
  process.kill(process.pid, sig);
}

/**
 * The error a job stopped by Ctrl-C (SIGTERM) ends with (what it kept was said at the signal); main() says its message and
 * ends by `signal` once the event loop has drained (`endBySignal`), `exitCode` (130 / 143) its status.
 */
export class Interrupted extends RunAborted {
  readonly exitCode: number;
  constructor(readonly signal: StopSignal) {
    super(INTERRUPTED);
    this.exitCode = SIGNAL_EXIT[signal];
  }
}

const RERUN = 're-run the same command to resume';
const INTERRUPTED = `run interrupted; ${RERUN}`;

/** What a batch command keeps when stopped before its run started (`stoppable`'s first `kept`). */
export function nothingSavedYet(command: string): string {
  return `nothing was saved (${command} had not started its run yet); run the same command again`;
}
