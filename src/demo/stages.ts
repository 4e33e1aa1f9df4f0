/**
 * Stage timing for the demos: `stage(name, fn)` runs one stage and records its wall time in `timings`; `carryTakenUp` gives
 * the stages a re-run took up finished the time the run that trained them recorded.
 */
import type { StageTiming } from '../report/results.js';

export function stageTimer(): { timings: StageTiming[]; stage: <T>(name: string, fn: () => Promise<T> | T) => Promise<T> } {
  const timings: StageTiming[] = [];
  const stage = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    const r = await fn();
    timings.push({ stage: name, seconds: (performance.now() - t) / 1000 });
    return r;
  };
  return { timings, stage };
}

/**
 * A re-run of a demo takes up its finished training stages: each took no time now (its model was loaded), so its timing,
 * and the demo's wall time, were the re-run's (`demo --seeds 0,1` run again: an aggregate's 14.6 s a seed for 690 s of
 * training). Each stage named in `takenUp` that `earlier` (the timings of the run before, whose results.json is not older
 * than the stage's final model) records gets that record, marked `takenUp`; returns `wallSeconds` grown by the difference.
 * A stage the earlier run does not record keeps this run's time.
 */
export function carryTakenUp(timings: StageTiming[], wallSeconds: number, earlier: readonly StageTiming[], takenUp: readonly string[]): number {
  let wall = wallSeconds;
  for (const [i, t] of timings.entries()) {
    const before = takenUp.includes(t.stage) ? earlier.find((e) => e.stage === t.stage) : undefined;
    if (!before) continue;
    timings[i] = { ...before, takenUp: true };
    wall += before.seconds - t.seconds;
  }
  return Math.max(0, wall);
}
