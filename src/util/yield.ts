/**
 * Hand the event loop a turn inside a long computation. A training loop whose steps never wait on
 * I/O runs as one synchronous stretch: Ctrl-C's handler (a JavaScript listener runs only between
 * turns of the event loop) would wait for the whole run. The trainers call this once per step or
 * update; it changes no computation. Once the process is exiting (waiting for its output to reach a slow
 * reader: util/exit-after-output.ts) it never resolves, so the computation stands still instead of going on
 * after the command said what it kept.
 */
import { isExiting } from './exit-after-output.js';

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => !isExiting() && resolve()));
}
