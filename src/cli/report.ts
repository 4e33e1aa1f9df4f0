/**
 * `askfirst report RUN… --out DIR`: compare `askfirst eval` runs in one offline HTML page and
 * a Markdown file (src/report/eval-report.ts).
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { outDirField } from '../util/config.js';
import { writeEvalReport as write } from '../report/eval-report.js';
import { addSchemaOptions, configFromOptions } from './options.js';

export const ReportSchema = z.object({
  out: outDirField().default('.').describe('folder for report.html and report.md'),
  title: z.string().optional().describe('page title (default: the compared policies)'),
});

/** Used by `askfirst report` and by `askfirst eval` with several policies. */
export async function writeEvalReport(dirs: readonly string[], out: string, title?: string) {
  return write(dirs, out, title ? { title } : {});
}

export function register(program: Command): void {
  const cmd = program
    .command('report')
    .description('compare askfirst eval runs: an offline HTML page and a Markdown file with intervals, ask-vs-guess bars, paired McNemar tests and example episodes')
    .argument('<runs...>', 'the --out directories of askfirst eval runs (each holds summary.json and <mode>/results.jsonl)');
  addSchemaOptions(cmd, ReportSchema);
  cmd.addHelpText('after', '\nExample:\n  askfirst eval --policy oracle --data suite --out runs/oracle\n  askfirst eval --policy always-answer --data suite --out runs/guess\n  askfirst report runs/oracle runs/guess --out runs/compare     # runs/compare/report.html, report.md');
  cmd.action(async (runs: string[], raw: Record<string, unknown>) => {
    const cfg = configFromOptions(ReportSchema, raw, 'report');
    const r = await write(runs, cfg.out, cfg.title ? { title: cfg.title } : {});
    console.log(r.markdownTable);
    console.log(`\nreport: ${r.html} and ${r.markdown}`);
  });
}
