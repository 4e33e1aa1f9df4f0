/** The settings of `askfirst export`: light, read at startup for its options and --help (commands.ts). */
import { z } from 'zod';
import { EVAL_MODES } from '../episode/types.js';
import { onByDefault, outDirField, progressField } from '../util/config.js';

export const ExportSchema = z.object({
  format: z.enum(['trl', 'lmms-eval']).default('trl').describe('dataset format: trl (conversational prompt-only with images, for TRL; OpenRLHF reads its train.jsonl as it is, exported with --absolute-paths; verl reads it converted by integrations/verl/make_verl_data.py; see docs/train-a-real-vlm.md); lmms-eval (the first turn of each episode as the docs of integrations/lmms_eval/askfirst_first_turn: the trl columns plus the letters the reply is read by and whether the view shows enough; with --turns episode the whole episode beside it, for askfirst_episode)'),
  data: z.string().min(1).describe('episodes: DIR, suite:DIR or proactivebench:DIR'),
  out: outDirField().describe('output folder: new, empty, or an earlier export with --overwrite (replaced as a whole; it appears at once, never half-written)'),
  overwrite: z.boolean().default(false).describe('replace an earlier export in --out (without it, one there is refused)'),
  turns: z.enum(['path', 'first', 'episode']).optional().describe('path (the default of --format trl): one row per state on each episode\'s canonical path (single-turn training); first (the default of --format lmms-eval): one row per episode (multi-turn training via env serve, lmms-eval\'s askfirst_first_turn); episode (--format lmms-eval only): that row with every reachable view and the episode\'s protocol as JSON (lmms-eval\'s multi-round askfirst_episode)'),
  mode: z.enum(EVAL_MODES).default('proactive').describe('protocol mode of the prompts'),
  kinds: z.array(z.string()).optional().describe('only these scenario kinds'),
  limit: z.number().int().min(1).optional().describe('at most this many episodes per kind'),
  parquet: onByDefault('also write train.parquet (images embedded)', 'do not write train.parquet (images embedded): train.jsonl and images/ only'),
  absolutePaths: z.boolean().default(false).describe('absolute image paths in train.jsonl (OpenRLHF opens them from its working directory)'),
  progress: progressField('a progress bar'),
});
export type ExportConfig = z.output<typeof ExportSchema>;
