/**
 * `askfirst report RUN… --out DIR`: compare `askfirst eval` runs in one offline HTML page and
 * a Markdown file (src/report/eval-report.ts). Ctrl-C (SIGTERM) while the runs are read says that
 * nothing was written and ends by the signal (130 / 143 to a shell) at once; the two files are written last, each whole,
 * replacing only a report askfirst wrote.
 */
import { foreignReportFiles, readEvalReport, saveEvalReport } from '../report/eval-report.js';
import { InputError } from '../util/errors.js';
import { configFromOptions } from './options.js';
import { refuseReportOut, refuseReportRuns } from '../outputs/out-owner.js';
import { ReportSchema } from './report-schema.js';
import { stoppable } from './signals.js';

/** The action of `askfirst report` (report-command.ts). */
export async function reportAction(runs: string[], raw: Record<string, unknown>): Promise<void> {
  const cfg = configFromOptions(ReportSchema, raw, 'report');
  refuseReportOut(cfg.out); // a suite's, a training run's, a demo's (its own report.html): not written into
  refuseReportRuns(runs); // a probe's results, a training run, one mode's folder, several policies' --out: named, before any is read
  // a report.md or report.html of someone else's in --out (the default `.`: a project's own report.md) is not replaced
  const foreign = foreignReportFiles(cfg.out);
  if (foreign.length) {
    const one = foreign.length === 1;
    throw new InputError(`${foreign.join(' and ')} ${one ? 'is' : 'are'} not a report askfirst wrote (no "Runs" list), and askfirst report would replace ${one ? 'it' : 'them'}: give another --out, or move ${one ? 'it' : 'them'} away`);
  }
  const r = await stoppable(`nothing was written (askfirst report writes ${cfg.out}/report.html and report.md last); run the same command again`, async (job) => {
    const read = await readEvalReport(runs, { ...(cfg.title ? { title: cfg.title } : {}), ...(cfg.labels ? { labels: cfg.labels } : {}), progress: cfg.progress });
    return job.stopAfter('writing the report', 'the report is written whole', () => saveEvalReport(read, cfg.out));
  });
  console.log(r.textTable);
  console.log(`\nreport: ${r.html} and ${r.markdown}`);
}
