/**
 * What a demo stopped by Ctrl-C or SIGTERM says it keeps (after "askfirst: interrupted; "), read from its --out at the signal:
 * each training stage finished, or the checkpoint it resumes from. It said "the finished stages and the training checkpoints
 * in <out> are kept; run the same command again to continue" whatever --out held: stopped before the supervised stage's
 * first checkpoint (100 of the quick demo's 150 steps), when nothing was; and stopped in a `--fresh` demo, whose same
 * command, run again, starts over instead of continuing.
 */
import { join, relative } from 'node:path';
import { RunDir, type RunContents } from '../nn/run-dir.js';
import { DEMO_RUNS } from './demo-stage-run.js';

/** What a re-run without --fresh does with what a stopped demo kept. */
export const RESUMES = 'finished stages are skipped, the training in progress resumes from its latest checkpoint';

/** What each of the demo's stages in `out` holds now (RunDir.contents), in DEMO_RUNS' order: what a `--fresh` demo found. */
export function demoStagesHeld(out: string): RunContents[] {
  return DEMO_RUNS.map((d) => new RunDir(join(out, d)).contents());
}

/**
 * The line for a demo into `out` stopped now. `fresh`: it was a `--fresh` demo, and `held` what its stages held when it
 * started (demoStagesHeld): only what it wrote since is its own, and it is continued by the command without --fresh.
 */
export function demoStopped(out: string, fresh = false, held?: readonly RunContents[]): string {
  const kept = stagesKept(out, fresh, held);
  if (fresh) {
    if (!kept.length) return `no checkpoint of this --fresh demo was written yet in ${out}; run the same command again to start over`;
    return `kept in ${out}: ${kept.join(', ')}; run the demo again without --fresh to continue from them (${RESUMES}; with --fresh it starts over)`;
  }
  if (!kept.length) return `no stage finished and no checkpoint was written yet in ${out}; run the same command again to start over`;
  return `kept in ${out}: ${kept.join(', ')}; run the same command again to continue (${RESUMES})`;
}

/** What of the demo in `out` a re-run without --fresh takes up, one phrase a stage ("rl finished"); `fresh`, `held`: as demoStopped's. */
export function stagesKept(out: string, fresh = false, held?: readonly RunContents[]): string[] {
  return DEMO_RUNS.flatMap((d, i) => {
    const run = new RunDir(join(out, d));
    if (fresh && held && !run.wroteSince(held[i])) return []; // the demo it was to replace, or nothing
    if (run.isFinished()) return [`${d} finished`];
    const steps = run.completeSteps();
    return steps.length ? [`${d} up to ${relative(out, run.checkpointDir(steps[steps.length - 1]))} (what it trained after that is trained again)`] : [];
  });
}

/** True when a stage of the demo in `out` completed a checkpoint or a final model since `held` (demoStagesHeld). */
export function demoWroteSince(out: string, held: readonly RunContents[]): boolean {
  return DEMO_RUNS.some((d, i) => new RunDir(join(out, d)).wroteSince(held[i]));
}
