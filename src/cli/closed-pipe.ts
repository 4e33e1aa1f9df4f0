/**
 * A reader that closes early: `askfirst … | head`, or `less` quit before the end. Writing to the
 * closed pipe fails with EPIPE, which Node reports as an 'error' event on process.stdout (or
 * stderr); with no listener that event is an uncaught exception with a stack trace and exit 1
 * (commander's help output crashed so). The command line listens once, here, for the whole
 * process: the reader has had what it wanted, so askfirst exits at once, saying nothing (there is
 * nowhere to say it), with the exit code an error already set, else by SIGPIPE itself, which a
 * shell sees as 141 (128 + 13): as `cat` or `git` end when their reader goes (`exitClosed`), so a
 * script under `set -o pipefail` can tell the command did not finish (a long command's work stopped
 * there), and one without it sees the reader's status as usual. A long command stops as for a second Ctrl-C: what it wrote atomically is
 * whole, a lock it held is removed as it exits (util/at-exit.ts; docs/hardening.md, "Workbench and
 * the command line"). A server that prints its address and then writes nothing learns of a closed
 * stdout only at its next write: Node 20 gives no event for it without one (docs/hardening.md,
 * "Every server").
 */
import { exitAfterOutput } from '../util/exit-after-output.js';
import { endBySignal, ENDING_EXIT } from './signals.js';

/** The exit code of a process killed by SIGPIPE, which a shell reports as 128 + 13. */
export const CLOSED_PIPE_EXIT = ENDING_EXIT.SIGPIPE;

const WATCHED = Symbol.for('askfirst.closedPipe');

type Watched = NodeJS.WritableStream & { [WATCHED]?: true };

/** Exit quietly when stdout or stderr is a pipe whose reader has gone; any other stream error is thrown as before. */
export function exitQuietlyOnClosedPipe(
  streams: readonly NodeJS.WritableStream[] = [process.stdout, process.stderr],
  exit: (code: number) => void = exitClosed,
): void {
  for (const s of streams as Watched[]) {
    if (s[WATCHED]) continue; // main() may run more than once in one process (tests): one listener per stream
    s[WATCHED] = true;
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      exit(Number(process.exitCode ?? 0) || CLOSED_PIPE_EXIT);
    });
  }
}

/**
 * The exit once a reader has gone: once the other stream's output has reached its reader (`exitAfterOutput`), and, with
 * 141, by SIGPIPE itself (`endBySignal`), as `cat` or `git` end: a shell sees the same 141, a parent process the signal.
 * An exit with that code instead waited, in Node's exit, for every thread of libuv's pool: one blocked for ever (reading
 * a named pipe nobody opens, `--policy scripted:FIFO`) held the process, a Ctrl-C or SIGTERM no longer heard; only
 * kill -9 ended it. An error's own code (1) has no signal to end by: docs/hardening.md, "Workbench and the command line".
 */
function exitClosed(code: number): void {
  if (code === CLOSED_PIPE_EXIT) endBySignal('SIGPIPE');
  exitAfterOutput(code);
}
