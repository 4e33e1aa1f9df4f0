/**
 * The demo's supervised stage (`<demo>/supervised`): what a run of the demo does with it. Like its RL runs (rl-runs.ts), it is
 * a stage of the demo, trained under the demo's settings (its budget, its suite), not a `train supervised` run: its run.json
 * names it `demo supervised` (DEMO_SUPERVISED_RUN, demo-stage-run.ts) with the settings it trains under, so `train
 * supervised --resume` into it is refused, saying what it is (cli/train.ts), and a `train supervised` run written over it
 * (--overwrite) is not taken up by the demo as its guesser: the demo trains the stage again, saying so. A stage from before
 * its run.json was kept is taken up as before.
 */
import { RunDir } from '../nn/index.js';
import { keepRunSettings, readRunSettings } from '../util/run-settings.js';
import { DEMO_SUPERVISED_RUN } from './demo-stage-run.js';

/** What the demo does with its supervised stage: take up its final model, resume it from its checkpoint, or train it from the start. */
export type DemoSupervisedStart = 'finished' | 'resume' | 'start';

/**
 * Decide for the supervised stage in `dir`, trained under `settings`; `fresh`: the demo starts over. A stage to train keeps
 * its settings in its run.json first; `unlessDone(undo)` has them put back if the demo ends before the stage writes a
 * checkpoint (cli/run-guard.ts), and returns what drops that (`done`, once the stage is trained).
 */
export function startDemoSupervised(dir: string, settings: Readonly<Record<string, unknown>>, fresh: boolean, log: (s: string) => void, unlessDone: (undo: () => void) => () => void): { start: DemoSupervisedStart; done: () => void } {
  const run = new RunDir(dir);
  const kept = run.hasRun() && !fresh ? readRunSettings(dir) : null; // --fresh starts over: what the stage kept is not read
  const notOurs = kept !== null && kept.run !== DEMO_SUPERVISED_RUN; // a `train supervised --overwrite` run written over the demo's
  if (notOurs && !fresh) log(`demo: ${dir} holds a train ${kept.run} run, not the demo's supervised stage; training the stage again`);
  const takeUp = !fresh && !notOurs;
  if (takeUp && run.isFinished()) return { start: 'finished', done: () => {} };
  const held = run.contents();
  const undo = keepRunSettings(dir, settings, { run: DEMO_SUPERVISED_RUN, resuming: false, startOver: '' });
  return { start: takeUp && run.hasRun() ? 'resume' : 'start', done: unlessDone(() => run.wroteSince(held) || undo.undo()) };
}
