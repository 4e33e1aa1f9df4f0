/**
 * Which RL runs in a demo's --out a re-run takes up (`rl/`, `baseline-rp*`): only those started from the guesser the demo
 * has now. Each keeps the guesser it started from in its `run.json` as `init`, by the SHA-256 of its weights, as `train rl
 * --resume` compares `--init` (util/run-settings.ts, nn/run-dir.ts `weightsDigest`). A run from another guesser — a
 * `demo --fresh` stopped once its new supervised stage had a checkpoint, then run again: the old RL runs were still
 * finished in --out — is trained again, saying so. A run from before the guesser was kept is taken up as before (there is
 * nothing to compare it with).
 *
 * Such a run is a stage of its demo, trained under the demo's settings (its budget, its suites), not a `train rl` run: its
 * run.json names it `demo rl` (DEMO_RL_RUN, demo-stage-run.ts), so `train rl --resume` into it is refused, saying what it is (cli/train.ts), and a
 * `train rl` run written over it (--overwrite) is not taken up by the demo as its own.
 */
import { RunDir, weightsDigest } from '../nn/index.js';
import { changedSettings, keepRunSettings, readRunSettings, type Identified } from '../util/run-settings.js';
import { DEMO_RL_RUN, isDemoRL } from './demo-stage-run.js';

/** What the demo does with an RL run: take up its final model, resume it from its checkpoint, or train it from the start. */
export type DemoRLStart = 'finished' | 'resume' | 'start';

/**
 * Decide for the RL run `name` in `dir` that starts from the guesser in `guesserDir`; `fresh`: the demo starts over. A run
 * to train keeps that guesser in its run.json first; `unlessDone(undo)` has it put back if the demo ends before the run
 * writes a checkpoint (the final model left is still the earlier run's: cli/run-guard.ts), and returns what drops that.
 */
export function startDemoRL(name: string, dir: string, guesserDir: string, fresh: boolean, log: (s: string) => void, unlessDone: (undo: () => void) => () => void): { start: DemoRLStart; done: () => void } {
  const run = new RunDir(dir);
  const guesser: Identified = { shown: guesserDir, id: weightsDigest(guesserDir) };
  const kept = run.hasRun() && !fresh ? readRunSettings(dir) : null; // --fresh starts over: what the run kept is not read
  const notOurs = kept !== null && !isDemoRL(kept); // a `train rl --overwrite` run written over the demo's
  const other = notOurs || (kept !== null && changedSettings({ init: kept.settings.init }, { init: guesser }).length > 0);
  if (notOurs && !fresh) log(`demo: ${dir} holds a train ${kept.run} run, not the demo's ${name} stage; training the stage again from ${guesserDir}`);
  else if (other && !fresh) log(`demo: ${name} started from another guesser than ${guesserDir} holds now (the SHA-256 of its weights differs); training it again from it`);
  const takeUp = !fresh && !other;
  if (takeUp && run.isFinished()) return { start: 'finished', done: () => {} };
  const held = run.contents();
  const undo = keepRunSettings(dir, { init: guesser }, { run: DEMO_RL_RUN, resuming: false, startOver: '' });
  return { start: takeUp && run.hasRun() ? 'resume' : 'start', done: unlessDone(() => run.wroteSince(held) || undo.undo()) };
}
