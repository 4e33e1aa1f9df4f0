/**
 * How a demo's training stages are named in their run.json: `<demo>/supervised` (supervised-run.ts) and the RL runs
 * (`<demo>/rl`, `<demo>/baseline-rp*`: rl-runs.ts) are stages of the demo, trained under its settings, not `train supervised`
 * or `train rl` runs. Light (no model code), so the commands that tell an --out's owner (outputs/out-owner.ts) and `train`'s
 * guard read it without loading the demo.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { WEIGHTS_FILE } from '../nn/checkpoint-config.js';
import { resolveCheckpointDir, RunDir, weightsDigest } from '../nn/run-dir.js';
import { readRunSettings, type KeptSettings } from '../util/run-settings.js';

/** The run a demo's RL run keeps in its run.json (`run`): a stage of the demo, not a `train rl` run. */
export const DEMO_RL_RUN = 'demo rl';
/** The run a demo's supervised stage keeps in its run.json: a stage of the demo, not a `train supervised` run. */
export const DEMO_SUPERVISED_RUN = 'demo supervised';
/** The folder of a demo's supervised stage in its --out. */
export const DEMO_SUPERVISED_DIR = 'supervised';
/** The training runs of a demo, in the order it trains them, each a run directory under --out (what a re-run takes up). */
export const DEMO_RUNS: readonly string[] = [DEMO_SUPERVISED_DIR, 'rl', 'baseline-rp0.5', 'baseline-rp1.0'];

/** Whether a demo's stage folder (by name) is one of its ProactiveBench baselines', which `demo --no-baselines` neither takes up nor writes. */
export const isBaselineStage = (name: string): boolean => name.startsWith('baseline-');

/** Whether the settings kept in a run's folder are a demo's RL run's (also as kept before they were named so: `rl`, `init` alone). */
export function isDemoRL(kept: KeptSettings | null | undefined): boolean {
  return kept?.run === DEMO_RL_RUN || (kept?.run === 'rl' && Object.keys(kept.settings).join() === 'init');
}

/** Whether the settings kept in a run's folder are a demo stage's: its supervised stage or one of its RL runs. */
export function isDemoStage(kept: KeptSettings | null | undefined): boolean {
  return kept?.run === DEMO_SUPERVISED_RUN || isDemoRL(kept);
}

/**
 * Whether the run folder `dir` is a stage of a demo, by what it keeps (isDemoStage) or, for a demo's supervised stage kept
 * before it was named so (none kept), by its place: `supervised/` of a folder whose run.json is a demo's.
 */
export function isDemoStageDir(dir: string): boolean {
  const kept = readRunSettings(dir);
  if (kept) return isDemoStage(kept);
  if (basename(dir) !== DEMO_SUPERVISED_DIR) return false;
  try {
    return readRunSettings(dirname(dir))?.run === 'demo';
  } catch {
    return false; // a damaged run.json above: not a demo's to say
  }
}

/**
 * Before a demo draws its suites (minutes): refuse now what taking up its stage in `dir` would refuse once the stage is
 * reached, a newer askfirst's run.json there or state.json or config.json (RunDir.checkFormats). A stage the demo trains
 * again instead has only its run.json read, as then: a `train` run written over it (supervised-run.ts, rl-runs.ts), or an
 * RL run kept from another guesser than `guesser` (the SHA-256 of the weights its RL runs will start from, when that is
 * known now: its supervised stage finished and taken up; rl-runs.ts trains such a run again, reading none of its files).
 */
export function checkDemoStage(dir: string, guesser?: string): void {
  const run = new RunDir(dir);
  if (!run.hasRun()) return;
  const kept = readRunSettings(dir);
  const fromOther = guesser !== undefined && isDemoRL(kept) && (kept!.settings.init as { id?: unknown } | undefined)?.id !== guesser;
  if ((kept === null || isDemoStage(kept)) && !fromOther) run.checkFormats();
}

/**
 * The SHA-256 of the guesser a demo's RL runs will start from (nn/run-dir.ts `weightsDigest`), when it is known before the
 * demo runs: its supervised stage in `dir` finished and taken up (supervised-run.ts: kept as the demo's, or before it was
 * named so); else undefined (the demo trains it, its weights not known yet; or its weights file is missing, which the stage
 * itself reports when the demo loads it).
 */
export function takenUpGuesser(dir: string): string | undefined {
  const run = new RunDir(dir);
  const kept = run.hasRun() ? readRunSettings(dir) : null;
  return (kept === null || kept.run === DEMO_SUPERVISED_RUN) && run.isFinished() && existsSync(join(resolveCheckpointDir(dir), WEIGHTS_FILE)) ? weightsDigest(dir) : undefined;
}
