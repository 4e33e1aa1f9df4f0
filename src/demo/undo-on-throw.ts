/**
 * What a demo run called as a library (no command's `guardRun`, cli/run-guard.ts) undoes when it throws: the command has
 * what undoes a run that ends without finishing run by its guard; a library caller has none, so without this a --fresh
 * demo that failed before it wrote anything left the earlier demo's summary set aside (results.replaced.json, no
 * results.json) and its settings replaced. `runDemo` and `runSeeds` take it when no `unlessDone` is given.
 */

/** Have `undo` run if the run ends without finishing; returns what drops it again (a step that finished). */
export type UnlessDone = (undo: () => void) => () => void;

/**
 * Run `fn` with an `unlessDone` of its own: what it was handed and not dropped runs, last first, if `fn` throws, before the
 * error goes on (an undo that fails is said to `log`, not thrown: the error that ended the run comes first).
 */
export async function undoOnThrow<T>(log: (s: string) => void, fn: (unlessDone: UnlessDone) => Promise<T>): Promise<T> {
  const undos = new Set<() => void>();
  try {
    return await fn((undo) => (undos.add(undo), () => undos.delete(undo)));
  } catch (e) {
    for (const undo of [...undos].reverse()) {
      try {
        undo();
      } catch (failed) {
        log(`demo: could not undo what the failed run began: ${(failed as Error).message}`);
      }
    }
    throw e;
  }
}
