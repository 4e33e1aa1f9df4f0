/**
 * `askfirst report RUN… --out DIR`: compare `askfirst eval` runs in one offline HTML page and
 * a Markdown file (src/report/eval-report.ts).
 */
import { writeEvalReport as write } from '../report/eval-report.js';
import { configFromOptions } from './options.js';
import { ReportSchema } from './report-schema.js';

export async function writeEvalReport(dirs: readonly string[], out: string, title?: string) {
  return write(dirs, out, title ? { title } : {});
}

/** The action of `askfirst report` (report-command.ts). */
export async function reportAction(runs: string[], raw: Record<string, unknown>): Promise<void> {
  const cfg = configFromOptions(ReportSchema, raw, 'report');
  const r = await write(runs, cfg.out, cfg.title ? { title: cfg.title } : {});
  console.log(r.markdownTable);
  console.log(`\nreport: ${r.html} and ${r.markdown}`);
}
