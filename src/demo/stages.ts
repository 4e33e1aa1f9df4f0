/**
 * Stage timing for the demos: `stage(name, fn)` runs one stage and records its wall time in `timings`; `carryTakenUp` gives
 * the stages a re-run took up finished the time the run that trained them recorded (in its results.json, or their own logs).
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
 * A training stage a re-run of a demo took up finished (by its timing name): whether the results.json of the run before
 * may give its time (`earlier`: that file is not older than the stage's final model), and the stage's own record of its
 * time (`own`: its log, `train/seconds` or `time/seconds` at its last step), for when it does not.
 */
export interface TakenUpStage {
  stage: string;
  earlier: boolean;
  own?: StageTiming;
}

/**
 * A re-run of a demo takes up its finished training stages: each took no time now (its model was loaded), so its timing,
 * and the demo's wall time, were the re-run's (`demo --seeds 0,1` run again: an aggregate's 14.6 s a seed for 690 s of
 * training). Each stage in `takenUp` gets the record `earlier` (the timings of the run before) holds of it where it may
 * (TakenUpStage.earlier), else its own record (a demo stopped after the stage finished, before it wrote results.json),
 * marked `takenUp`; returns `wallSeconds` grown by the difference. A stage with neither keeps this run's time.
 */
export function carryTakenUp(timings: StageTiming[], wallSeconds: number, earlier: readonly StageTiming[], takenUp: readonly TakenUpStage[]): number {
  let wall = wallSeconds;
  for (const [i, t] of timings.entries()) {
    const up = takenUp.find((u) => u.stage === t.stage);
    const before = (up?.earlier ? earlier.find((e) => e.stage === t.stage) : undefined) ?? up?.own;
    if (!before) continue;
    timings[i] = { ...before, takenUp: true };
    wall += before.seconds - t.seconds;
  }
  return Math.max(0, wall);
}
