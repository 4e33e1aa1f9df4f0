/**
 * Hand the event loop a turn inside a long computation. A training loop whose steps never wait on
 * I/O runs as one synchronous stretch: Ctrl-C's handler (a JavaScript listener runs only between
 * turns of the event loop) would wait for the whole run. The trainers call this once per step or
 * update; it changes no computation.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
