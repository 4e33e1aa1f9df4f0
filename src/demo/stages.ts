/**
 * Stage timing for the demos: `stage(name, fn)` runs one stage and records its wall time in `timings`; `carryTakenUp` gives
 * the stages a re-run took up finished the time the run that trained them recorded (in its results.json, or their own logs),
 * `carryResumed` those it resumed from a checkpoint the training time before it (the checkpoint's): both demos' tables
 * show what each stage took in all, never only a re-run's part.
 */
import { RunDir } from '../nn/run-dir.js';
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

/** A training stage a re-run of a demo resumed from a checkpoint (by its timing name), and the seconds that checkpoint records (each run's setup and the training). */
export interface ResumedStage {
  stage: string;
  seconds: number;
}

/**
 * The seconds the newest complete checkpoint of the run in `dir` records (its state.json `seconds`, kept across resumes
 * by the supervised and RL trainers: each run's setup and the training): what the runs before spent on a stage a re-run
 * resumes from it. Undefined without one (the stage starts over) or without a positive figure. Read before the stage
 * trains (it writes checkpoints).
 */
export function checkpointSeconds(dir: string): number | undefined {
  const s = new RunDir(dir).latestComplete<{ seconds?: unknown }>()?.state.seconds;
  return typeof s === 'number' && Number.isFinite(s) && s > 0 ? s : undefined;
}

/**
 * A re-run of a demo resumes a training stage stopped mid-way from its checkpoint: its timing was this run's part only (a
 * supervised stage stopped at step 600 of 720 read a fifth of what it took), while its parts (RL's, from the curve the
 * checkpoint keeps) were the whole run's. Each stage in `resumed` gets the seconds before its checkpoint added, marked
 * `resumed`; returns `wallSeconds` grown by them.
 */
export function carryResumed(timings: StageTiming[], wallSeconds: number, resumed: readonly ResumedStage[]): number {
  let wall = wallSeconds;
  for (const r of resumed) {
    const i = timings.findIndex((t) => t.stage === r.stage);
    if (i < 0 || timings[i].takenUp) continue;
    timings[i] = { ...timings[i], seconds: timings[i].seconds + r.seconds, resumed: true };
    wall += r.seconds;
  }
  return wall;
}
