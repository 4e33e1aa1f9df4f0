/** `askfirst demo`: the whole story on the embedded suite (see src/demo/pipeline.ts), once or once per seed (src/demo/seeds.ts). */
import { join } from 'node:path';
import { runDemo } from '../demo/pipeline.js';
import { aggregateSeeds, runSeeds, seedsStopped, type SeedsProgress } from '../demo/seeds.js';
import { DemoCommandSchema, resolveDemoCommandConfig, type DemoCommandConfig } from '../demo/config.js';
import { aggregateText } from '../report/aggregate-page.js';
import { gapClosedText, gapLeadText } from '../report/gap-text.js';
import { coerceOptions, schemaOptions } from '../util/config.js';
import { guardRun, type UnlessDone } from './run-guard.js';
import { refuseOthersOutput } from '../outputs/out-owner.js';
import { isBaselineStage } from '../demo/demo-stage-run.js';
import { demoStagesHeld, demoStopped } from '../demo/demo-stopped.js';
import { percent as pct } from '../util/percent.js';
import type { Results } from '../report/results.js';

/** The action of `askfirst demo` (demo-command.ts). */
export async function demoCommandAction(raw: Record<string, unknown>): Promise<void> {
  const cfg = resolveDemoCommandConfig(coerceOptions(schemaOptions(DemoCommandSchema), raw, 'demo'));
  // a suite's, an eval's, a training run's --out: its stages are not written beside it; a newer askfirst's stage only where it
  // takes it up or writes it (--no-baselines leaves the baselines' alone; --aggregate-only every one: it reads each seed's
  // results.json only, which names a newer askfirst's itself, report/results-io.ts)
  refuseOthersOutput([cfg.out], 'demo', 'demo', { stage: (name) => !cfg.aggregateOnly && (cfg.baselines || !isBaselineStage(name)) });
  const at: SeedsProgress = { finished: [] }; // a --seeds run's: which seed runs, which are finished
  const held = cfg.fresh && !cfg.seeds ? demoStagesHeld(cfg.out) : undefined; // what a --fresh demo found: not its own
  const hint = () => (cfg.seeds && !cfg.aggregateOnly ? seedsStopped(at, cfg.out, cfg.seeds) : demoStopped(cfg.out, cfg.fresh, held));
  await guardRun(cfg.out, 'askfirst demo', hint, (_orderly, unlessDone) => demoAction(cfg, unlessDone, at));
}

async function demoAction(cfg: DemoCommandConfig, unlessDone: UnlessDone, at: SeedsProgress): Promise<void> {
  if (cfg.seeds) {
    const seeds = cfg.seeds;
    const r = cfg.aggregateOnly ? await aggregateSeeds(cfg.out, seeds, cfg) : await runSeeds({ ...cfg, seeds }, undefined, undefined, unlessDone, at);
    console.log(`\n${aggregateText(r.aggregate)}\n  aggregate: ${r.files.json}  page: ${r.files.html}`);
    return;
  }
  const r = await runDemo(cfg, undefined, unlessDone);
  console.log(`
askfirst demo finished in ${r.wallSeconds.toFixed(0)} s${tookUp(r)}
  accuracy  reference ${pct(r.accuracy.reference.overall)} | before RL ${pct(r.accuracy.before.overall)} | after RL ${pct(r.accuracy.after.overall)}
  gap closed  train kinds ${gapClosedText(r, 'train', pct)} | unseen kinds ${gapClosedText(r, 'unseen', pct)} | all ${gapClosedText(r, 'all', pct)}
  ps-rate ${r.psRate.toFixed(2)} (oracle minimum ${r.oraclePsRate.toFixed(2)}), over-asking on controls ${pct(r.overAsking)}
${r.baselines.map((b) => `  ${b.label}: accuracy ${pct(b.accuracy.after.overall)}, ps-rate ${b.psRate.toFixed(2)}, gap closed ${pct(b.gapClosed.all)}${b.oursMinus ? `; ours − it on the unseen kinds ${gapLeadText(b, 'unseen', pct)}` : ''}`).join('\n')}
  [brackets]: 95 % intervals over the test episodes (paired bootstrap; evaluation noise only — --seeds measures training's)
  report: ${join(cfg.out, 'report.html')}  results: ${join(cfg.out, 'results.json')}  model card: ${join(cfg.out, 'MODEL_CARD.md')}`);
}

/** Which time the demo's is when it took up finished stages: theirs as the run that trained them recorded it (demo/stages.ts carryTakenUp). */
function tookUp(r: Results): string {
  const up = r.timings.filter((t) => t.takenUp);
  return up.length ? ` (${up.map((t) => t.stage).join(', ')}: taken up finished, timed as the run that trained ${up.length > 1 ? 'them' : 'it'} recorded)` : '';
}
