/**
 * `askfirst compare RUN… [--format md|latex|json]`: a paper's table of eval runs on the same episodes
 * (src/report/compare-table.ts), on stdout or written whole to --out (an existing file only with --overwrite). Ctrl-C while the runs are read ends by the signal
 * (130 / 143 to a shell), having written nothing.
 */
import { compareRuns, formatComparison } from '../report/compare-table.js';
import { checkLabels, readEvalRun, readEvalRuns } from '../report/eval-report.js';
import { refuseReportRuns } from '../outputs/out-owner.js';
import { writeFileAtomic } from '../util/fsx.js';
import { configFromOptions } from './options.js';
import { refuseToOverwrite } from './overwrite.js';
import { CompareSchema } from './compare-schema.js';
import { stoppable } from './signals.js';

/** The action of `askfirst compare` (compare-command.ts). */
export async function compareAction(dirs: string[], raw: Record<string, unknown>): Promise<void> {
  const cfg = configFromOptions(CompareSchema, raw, 'compare');
  refuseReportRuns(cfg.baseline ? [...dirs, cfg.baseline] : dirs, 'compare'); // a probe's results, one mode's folder, several policies' --out: named first
  checkLabels(cfg.labels, dirs.length); // before the runs are read
  // an existing file is not replaced unasked: `--out runs/oracle/summary.json` or a suite's episodes.jsonl was, without a word
  if (cfg.out) refuseToOverwrite([cfg.out], cfg.overwrite);
  const text = await stoppable(`nothing was written; run the same command again`, async (job) => {
    const runs = await readEvalRuns(dirs, { progress: cfg.progress });
    const baseline = cfg.baseline ? await readEvalRun(cfg.baseline) : undefined;
    const out = formatComparison(compareRuns(runs, cfg.mode, { ...(baseline ? { baseline } : {}), ...(cfg.labels ? { labels: cfg.labels } : {}) }), cfg.format);
    if (cfg.out) await job.stopAfter('writing the table', 'the table is written whole', () => writeFileAtomic(cfg.out!, out));
    return out;
  });
  if (cfg.out) console.log(`table: ${cfg.out}`);
  else process.stdout.write(text);
}
