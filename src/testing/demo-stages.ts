/**
 * A demo's training stages finished in its --out, as a re-run takes them up (untrained models: the demo only loads and
 * evaluates them, seconds instead of minutes of training): `supervised/final` and each RL run's final model, kept as
 * started from that guesser (demo/rl-runs.ts).
 */
import { join } from 'node:path';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { DEMO_RL_RUN } from '../demo/demo-stage-run.js';
import { weightsDigest } from '../nn/run-dir.js';
import { generateSuite } from '../suite/generate.js';
import { keepRunSettings } from '../util/run-settings.js';

export function finishedDemoStages(out: string, rlRuns: readonly string[] = ['rl', 'baseline-rp0.5', 'baseline-rp1.0']): void {
  const model = () => newBuiltin(generateSuite({ episodes: 1, seed: 0 }));
  const sup = join(out, 'supervised');
  saveBuiltin(join(sup, 'final'), model());
  for (const name of rlRuns) {
    saveBuiltin(join(out, name, 'final'), model());
    keepRunSettings(join(out, name), { init: { shown: sup, id: weightsDigest(sup) } }, { run: DEMO_RL_RUN, resuming: false, startOver: '' });
  }
}
