/**
 * askfirst's one list of what to do as the process exits: clean-ups (a lock file's release, util/lockfile.ts
 * `releasedAtExit`; a half-made database's folder removed, feedback/pglite-create.ts) and, at most one, the step that
 * ends the process (cli/signals.ts `endBySignal`: the exit turned into the signal that stopped the command). ONE
 * process 'exit' listener, added at the first registration, runs them: every clean-up once, the last registered first
 * (as C's and Python's `atexit`: what was set up under a lock is undone before that lock is released), then the ending.
 *
 * Why one list and not a listener each: the ending raises a signal, which ends the process where it is, so every
 * clean-up must have run by then, whenever it was registered — a lock taken by work still under way while the exit
 * waited for its output (util/exit-after-output.ts) came after the ending's own listener in Node's order and never ran;
 * calling those later listeners by hand from the ending ran them twice when the signal was not delivered (Node calls
 * every listener after it). Here the order is the list's, each runs once whatever happens, and the ending comes last.
 * A clean-up that throws is said in one line on stderr and the others, and the ending, still run; the exit's status is
 * kept. A listener added with `process.on('exit')` directly is not in the list: askfirst adds none (a library user's or
 * a plugin's, added after this one, does not run when the ending raises its signal).
 */

import { writeSync } from 'node:fs';
import { describeError } from './errors.js';

/** A clean-up run as the process exits, given the exit's status. */
export type ExitCleanup = (code: number) => void;

const cleanups: ExitCleanup[] = [];
let ending: ExitCleanup | undefined;
let listening = false;
let exited = false;

/**
 * Run `cleanup` as the process exits, once, before the ending (`endAtExit`) — unless the returned function is called
 * first, which takes it off the list (the caller has cleaned up itself). Registered while the exit runs (by another
 * clean-up), it runs in that exit too.
 */
export function atExit(cleanup: ExitCleanup): () => void {
  listen();
  cleanups.push(cleanup);
  return () => {
    const i = cleanups.lastIndexOf(cleanup);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/**
 * Have `end` run as the process exits, after every clean-up (`atExit`) — those registered later too: what ends the
 * process without returning (cli/signals.ts raises a signal). One per process: a later call replaces it.
 */
export function endAtExit(end: ExitCleanup): void {
  listen();
  ending = end;
}

function listen(): void {
  if (listening) return;
  listening = true;
  process.on('exit', runAtExit);
}

/** The one 'exit' listener: the clean-ups, last registered first, each once, then the ending. */
function runAtExit(code: number): void {
  if (exited) return;
  exited = true;
  for (let c = cleanups.pop(); c; c = cleanups.pop()) {
    try {
      c(code);
    } catch (e) {
      say(`askfirst: a clean-up at exit failed: ${describeError(e)}`);
    }
  }
  const end = ending;
  ending = undefined;
  end?.(code);
}

function say(line: string): void {
  try {
    writeSync(2, `${line}\n`);
  } catch {
    // stderr's reader gone: nothing to say it to
  }
}
