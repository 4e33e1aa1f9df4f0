/**
 * A demo's training stages finished in its --out, as a re-run takes them up (untrained models: the demo only loads and
 * evaluates them, seconds instead of minutes of training): `supervised/final` and each RL run's final model, kept as
 * started from that guesser (demo/rl-runs.ts), and the run.json of the quick demo that trained them (keptDemo).
 */
import { join } from 'node:path';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { DEMO_RL_RUN } from '../demo/demo-stage-run.js';
import { weightsDigest } from '../nn/run-dir.js';
import { generateSuite } from '../suite/generate.js';
import { keepRunSettings } from '../util/run-settings.js';
import { resolveConfig } from '../util/config.js';
import { DemoConfigSchema } from '../demo/config.js';

/**
 * The demo's run.json in `out` as a demo under `cfg` (a quick one by default, every other setting its default) writes it
 * before its first stage: what lets a re-run take its stages up (demo/pipeline.ts refuses stages without it).
 */
export function keptDemo(out: string, cfg: { quick?: boolean; seed?: number } = { quick: true }): void {
  const c = resolveConfig(DemoConfigSchema, { out, ...cfg }, 'demo');
  const settings = { quick: c.quick, seed: c.seed, algorithm: c.algorithm, rewardWeights: { shown: '(defaults)', id: '{}' }, rlControlShare: c.rlControlShare };
  keepRunSettings(out, settings, { run: 'demo', resuming: false, startOver: '' });
}

export function finishedDemoStages(out: string, rlRuns: readonly string[] = ['rl', 'baseline-rp0.5', 'baseline-rp1.0']): void {
  const model = () => newBuiltin(generateSuite({ episodes: 1, seed: 0 }));
  const sup = join(out, 'supervised');
  keptDemo(out);
  saveBuiltin(join(sup, 'final'), model());
  for (const name of rlRuns) {
    saveBuiltin(join(out, name, 'final'), model());
    keepRunSettings(join(out, name), { init: { shown: sup, id: weightsDigest(sup) } }, { run: DEMO_RL_RUN, resuming: false, startOver: '' });
  }
}
