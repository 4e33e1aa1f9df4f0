/** The settings of `askfirst eval`: light, read at startup for its options and --help (commands.ts). */
import { z } from 'zod';
import { outDirField, progressField, seedField } from '../util/config.js';
import { policyForms } from '../agents/policy-usage.js';
import { EVAL_MODE_NAMES, evalHttpFields } from './eval-http-schema.js';

export const EvalCommandSchema = z.object({
  config: z.string().optional().describe('a JSON file of these settings (camelCase keys, e.g. {"policy": ["oracle", "openai:URL#MODEL"], "maxTokens": 4096}); flags given on the command line win'),
  policy: z
    .array(z.string().min(1))
    .min(1)
    .describe(`the policy: ${policyForms().join(', ')}; repeat --policy to compare several on the same data (each into OUT/<name>/, plus OUT/report.html)`),
  data: z.string().min(1).describe('episodes: DIR, suite:DIR or proactivebench:DIR'),
  out: outDirField().describe('output directory (re-running the same command resumes)'),
  mode: z.array(z.enum(EVAL_MODE_NAMES)).min(1).default(['proactive', 'reference']).describe('modes to run: proactive (= mcqa), hint, reference, open (open-ended, needs --judge)'),
  kinds: z.array(z.string()).optional().describe('only these scenario kinds'),
  limit: z.number().int().min(1).optional().describe('at most this many episodes per kind'),
  batchSize: z.number().int().min(1).default(64).describe('episodes handed to the policy together each turn; for pipelined policies (openai:, ocr-follow), episodes in play at once, each stepped as its reply arrives'),
  seed: seedField().default(0).describe('seed for stochastic policies (random, builtin:, openai:; refused when no --policy reads it)'),
  sample: z.boolean().default(false).describe('sample replies instead of answering greedily (builtin:, openai:; refused when no --policy reads it)'),
  overwrite: z.boolean().default(false).describe('discard results already in --out instead of resuming'),
  json: z.boolean().default(false).describe('print the summary as one JSON object on stdout'),
  progress: progressField('a progress bar'),
  ...evalHttpFields,
});
export type EvalCommandConfig = z.output<typeof EvalCommandSchema>;
