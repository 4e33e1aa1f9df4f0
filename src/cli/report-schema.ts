/** The settings of `askfirst report`: light, read at startup for its options and --help (commands.ts). */
import { z } from 'zod';
import { outDirField } from '../util/config.js';

export const ReportSchema = z.object({
  out: outDirField().default('.').describe('folder for report.html and report.md (eval or probe results, or a folder of no askfirst output: a suite, training run, export or demo is refused)'),
  title: z.string().optional().describe('page title (default: the compared policies)'),
  progress: z.boolean().default(true).describe('show progress bars on stderr while the runs\' results are read and the report is rendered'),
});

/** Used by `askfirst report` and by `askfirst eval` with several policies. */
