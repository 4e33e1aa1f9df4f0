/**
 * Whether a long synchronous-looking computation hands the event loop a turn between its steps: a JavaScript signal
 * handler (Ctrl-C's) runs only in such a turn, so a loop that never yields hears Ctrl-C only once it ends.
 */

/**
 * Run `run`, which calls `onStep` after each step (a progress callback), and say for each step after the first whether the
 * event loop had a turn since the step before (an immediate set then has run).
 */
export async function turnsBetweenSteps(run: (onStep: () => void) => unknown): Promise<boolean[]> {
  const seen: boolean[] = [];
  let turned = false;
  let steps = 0;
  await run(() => {
    if (steps++ > 0) seen.push(turned);
    turned = false;
    setImmediate(() => (turned = true));
  });
  return seen;
}
