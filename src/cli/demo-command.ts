/** `askfirst demo`: its options and --help; the work is in demo.ts, loaded only when it runs (commands.ts). */
import type { Command } from 'commander';
import { DemoCommandSchema } from '../demo/config.js';
import { addSchemaOptions } from './options.js';

export function register(program: Command): void {
  const cmd = program
    .command('demo')
    .description('generate the suite, train the guesser, teach it to ask with RL, evaluate on all seven kinds, write report.html + results.json + MODEL_CARD.md');
  addSchemaOptions(cmd, DemoCommandSchema);
  cmd.addHelpText(
    'after',
    '\nRe-running the same command skips finished stages (their checkpoints are in --out); --fresh starts over.' +
      '\nA re-run with another --quick, --seed, --algorithm, --reward-weights or --rl-control-share is refused (it would take up stages trained under the others).' +
      '\nWith --seeds 0,1,2 each seed is a full demo in <out>/seed-<n>/; <out>/aggregate.json and aggregate.html give every headline figure' +
      '\nas mean ± the half-width of its 95 % confidence interval over the seeds (none with one seed), and ours − each baseline paired by seed.',
  );
  cmd.action(async (raw: Record<string, unknown>) => (await import('./demo.js')).demoCommandAction(raw));
}
