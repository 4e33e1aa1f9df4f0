/** The settings of `askfirst report`: light, read at startup for its options and --help (commands.ts). */
import { z } from 'zod';
import { outDirField, progressField } from '../util/config.js';

/** `--labels`, of `askfirst report` and `askfirst compare` (its count checked by report/eval-report.ts checkLabels). */
export const RunLabelsSchema = z.object({
  labels: z.array(z.string().min(1)).optional().describe('one name per run, in the runs\' order, wherever a run is named (default: the policy each run names); a comma inside a name is written \\, (--labels \'Qwen\\, 3B,Guesser\')'),
});

export const ReportSchema = z.object({
  out: outDirField().default('.').describe('folder for report.html and report.md (eval results, or a folder of no askfirst output: a suite, training run, export, demo, probe\'s results or eval of several --policy, whose own report it would replace, is refused)'),
  title: z.string().optional().describe('page title (default: the compared runs\' names)'),
  ...RunLabelsSchema.shape,
  progress: progressField('progress bars on stderr while the runs\' results are read and the report is rendered'),
});

/** Used by `askfirst report` and by `askfirst eval` with several policies. */
