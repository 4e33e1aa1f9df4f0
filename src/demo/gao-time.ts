/**
 * The time of the feedback demo's over-optimisation regime (feedback.ts `gaoRun`), kept across the runs that train it. The
 * regime is trained in segments, each a `train`-style run resumed from the last one's checkpoint and then evaluated on the
 * test suite (a point of gao-eval.json). Its RL log and checkpoints record each segment's setup and training only: the evaluations
 * between segments were in none of them, so a re-run that resumed the regime (or took it up finished) lost them, and the
 * training of a last segment shorter than --gao-eval-every (no checkpoint at its end, only final/) too. Each point now
 * records `seconds`, the regime's time in all when it was written (training, evaluations, each segment's setup), and a
 * re-run adds what was trained and kept after it (gaoKeptSeconds).
 */
import { RunDir } from '../nn/run-dir.js';
import { finishedCurve } from '../rl/run.js';

/** A point of the regime as gao-eval.json keeps it: its update and, written by this askfirst, the regime's seconds then. */
export interface TimedPoint {
  update: number;
  /** The regime's time in all, across runs, when this point was written: absent in a point an older askfirst wrote. */
  seconds?: number;
}

/**
 * What the runs before this one spent on the regime in `dir` that this run keeps, given its points so far and the update
 * its next segment trains to (`next`): the seconds its last point records, plus the training after that point kept for the
 * next segment — up to final/ when that segment is trained to its end already (stopped before its evaluation: with
 * --gao-updates not a multiple of --gao-eval-every no checkpoint is written there), else up to the newest checkpoint — as
 * its log (`time/seconds`) or that checkpoint records it. Without points, the training kept alone; 0 when nothing is kept.
 * Undefined when its last point records no seconds (an older askfirst's): the caller falls back to the checkpoint's.
 */
export async function gaoKeptSeconds(dir: string, points: readonly TimedPoint[], next: number): Promise<number | undefined> {
  const last = points.at(-1);
  if (last && (typeof last.seconds !== 'number' || !Number.isFinite(last.seconds))) return undefined;
  const from = last?.update ?? 0;
  const run = new RunDir(dir);
  const checkpoint = run.latestComplete<{ update?: unknown; seconds?: unknown }>();
  const to = run.finishedFor(next) ? next : (checkpoint?.step ?? 0); // where the next segment starts (rl/run.ts RLRun.init)
  if (to <= from) return last?.seconds ?? 0;
  const logged = new Map((await finishedCurve(dir)).curve.map((row) => [row.update, row['time/seconds']]));
  const trainedAt = (update: number): number | undefined => {
    if (update === 0) return 0;
    const s = logged.get(update) ?? (checkpoint?.step === update ? checkpoint.state.seconds : undefined);
    return typeof s === 'number' && Number.isFinite(s) ? s : undefined;
  };
  const [a, b] = [trainedAt(from), trainedAt(to)];
  const kept = a !== undefined && b !== undefined ? Math.max(0, b - a) : 0;
  return (last?.seconds ?? 0) + kept;
}
