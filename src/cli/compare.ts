/**
 * `askfirst compare RUN… [--format md|latex|json]`: a paper's table of eval runs on the same episodes
 * (src/report/compare-table.ts), on stdout or written whole to --out (an existing file only with --overwrite). Ctrl-C while the runs are read ends by the signal
 * (130 / 143 to a shell), having written nothing.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { compareRuns, formatComparison } from '../report/compare-table.js';
import { checkLabels, readEvalRun, readEvalRuns } from '../report/eval-report.js';
import { refuseReportRuns } from '../outputs/out-owner.js';
import { writeFileAtomic } from '../util/fsx.js';
import { EVAL_MODES } from '../episode/types.js';
import { InputError } from '../util/errors.js';
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
  if (cfg.out) refuseOutInRun(cfg.out, cfg.baseline ? [...dirs, cfg.baseline] : dirs);
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

/** The folders of an eval run's modes (its results.jsonl and run.json each): what an --out must not be written into. */
const MODE_DIRS = new Set<string>([...EVAL_MODES, 'open']);

/**
 * An --out that is a compared run's own file (its summary.json, anything in a mode's folder) is refused even with
 * --overwrite: `--out runs/oracle/summary.json --overwrite` replaced the run's summary with the table, and the
 * "already exists: add --overwrite" refusal before it pointed there. A new file beside them (runs/oracle/table.md) is fine.
 */
function refuseOutInRun(out: string, runs: readonly string[]): void {
  for (const dir of runs) {
    const rel = relative(resolve(dir), resolve(out));
    if (!rel || rel.startsWith('..') || isAbsolute(rel)) continue;
    const parts = rel.split(sep);
    if (rel === 'summary.json' || (parts.length > 1 && MODE_DIRS.has(parts[0]))) {
      throw new InputError(`--out ${out} is a file of the compared run ${dir}, which the table would replace: give a path outside its summary.json and mode folders`);
    }
  }
}
