/** `askfirst demo`: the whole story on the embedded suite (see src/demo/pipeline.ts). */
import type { Command } from 'commander';
import { join } from 'node:path';
import { DemoConfigSchema, runDemo } from '../demo/pipeline.js';
import { addSchemaOptions, configFromOptions } from './options.js';

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);

export function register(program: Command): void {
  const cmd = program
    .command('demo')
    .description('generate the suite, train the guesser, teach it to ask with RL, evaluate on all seven kinds, write report.html + results.json + MODEL_CARD.md');
  addSchemaOptions(cmd, DemoConfigSchema);
  cmd.addHelpText('after', '\nRe-running the same command skips finished stages (their checkpoints are in --out); --fresh starts over.');
  cmd.action(async (raw: Record<string, unknown>) => {
    const cfg = configFromOptions(DemoConfigSchema, raw, 'demo');
    const r = await runDemo(cfg);
    console.log(`
askfirst demo finished in ${r.wallSeconds.toFixed(0)} s
  accuracy  reference ${pct(r.accuracy.reference.overall)} | before RL ${pct(r.accuracy.before.overall)} | after RL ${pct(r.accuracy.after.overall)}
  gap closed  train kinds ${pct(r.gapClosed.train)} | unseen kinds ${pct(r.gapClosed.unseen)} | all ${pct(r.gapClosed.all)}
  ps-rate ${r.psRate.toFixed(2)} (oracle minimum ${r.oraclePsRate.toFixed(2)}), over-asking on controls ${pct(r.overAsking)}
${r.baselines.map((b) => `  ${b.label}: accuracy ${pct(b.accuracy.after.overall)}, ps-rate ${b.psRate.toFixed(2)}, gap closed ${pct(b.gapClosed.all)}`).join('\n')}
  report: ${join(cfg.out, 'report.html')}  results: ${join(cfg.out, 'results.json')}  model card: ${join(cfg.out, 'MODEL_CARD.md')}`);
  });
}
