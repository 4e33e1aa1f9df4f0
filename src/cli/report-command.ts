/** `askfirst report`: its options and --help; the work is in report.ts, loaded only when it runs (commands.ts). */
import type { Command } from 'commander';
import { ReportSchema } from './report-schema.js';
import { addSchemaOptions } from './options.js';

export function register(program: Command): void {
  const cmd = program
    .command('report')
    .description('compare askfirst eval runs: an offline HTML page and a Markdown file with intervals, ask-vs-guess bars, paired McNemar tests and example episodes')
    .argument('<runs...>', 'the --out directories of askfirst eval runs (each holds summary.json and <mode>/results.jsonl)');
  addSchemaOptions(cmd, ReportSchema);
  cmd.addHelpText('after', '\nExample:\n  askfirst eval --policy oracle --data suite --out runs/oracle\n  askfirst eval --policy always-answer --data suite --out runs/guess\n  askfirst report runs/oracle runs/guess --out runs/compare     # runs/compare/report.html, report.md\n  askfirst report runs/oracle runs/guess --labels Oracle,Guesser --out runs/compare');
  cmd.action(async (runs: string[], raw: Record<string, unknown>) => (await import('./report.js')).reportAction(runs, raw));
}
