/** The settings of `askfirst compare`: light, read at startup for its options and --help (commands.ts). */
import { z } from 'zod';
import { outFileField, progressField } from '../util/config.js';
import { RunLabelsSchema } from './report-schema.js';

export const CompareSchema = z.object({
  format: z.enum(['md', 'latex', 'json']).default('md').describe('md (Markdown tables), latex (booktabs tabulars) or json'),
  mode: z.enum(['proactive', 'hint', 'reference']).default('proactive').describe('the eval mode compared (every run must have played it)'),
  baseline: z.string().min(1).optional().describe('the eval run of the model before training, on the same episodes, in the compared --mode and the reference mode: adds each run\'s gap closed from it toward its reference accuracy'),
  ...RunLabelsSchema.shape,
  out: outFileField().optional().describe('write the table to this file (written whole; a folder on the way is created) instead of stdout'),
  overwrite: z.boolean().default(false).describe('replace the --out file if it exists (without it, an existing one is refused; a compared run\'s summary.json or results never are)'),
  progress: progressField('a progress bar on stderr while the runs\' results are read'),
});
