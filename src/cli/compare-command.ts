/** `askfirst compare`: its options and --help; the work is in compare.ts, loaded only when it runs (commands.ts). */
import type { Command } from 'commander';
import { CompareSchema } from './compare-schema.js';
import { addSchemaOptions } from './options.js';

export function register(program: Command): void {
  const cmd = program
    .command('compare')
    .description('a paper\'s table of askfirst eval runs on the same episodes: accuracy, gap closed, ps-rate and over-asking with 95 % intervals, and per pair of runs the paired differences with intervals and McNemar tests (Markdown, LaTeX or JSON)')
    .argument('<runs...>', 'the --out directories of two or more askfirst eval runs on the same episodes');
  addSchemaOptions(cmd, CompareSchema);
  cmd.addHelpText(
    'after',
    '\nRuns on other data, or on other episodes of it (another --kinds or --limit), are refused.\n\nExample:\n  askfirst compare runs/oracle runs/guess --labels Oracle,Guesser\n  askfirst compare runs/oracle runs/guess --baseline runs/guess --format latex --out table.tex',
  );
  cmd.action(async (runs: string[], raw: Record<string, unknown>) => (await import('./compare.js')).compareAction(runs, raw));
}
