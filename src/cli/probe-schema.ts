/** The settings of `askfirst probe hallucination | injection`: light, read at startup for their options and --help (commands.ts). */
import { z } from 'zod';
import { policyForms } from '../agents/policy-usage.js';
import { outDirField, progressField } from '../util/config.js';
import { HallucinationConfigSchema, InjectionConfigSchema } from '../probes/config.js';
import { evalHttpFields } from './eval-http-schema.js';

// the probes have no open-ended mode and no hints: every other remote-model option applies (the judge's: hallucination's only)
// and no --sample: the probes ask greedily, so --temperature's default is 0 (eval's help also names --sample)
const httpFields = {
  ...(Object.fromEntries(Object.entries(evalHttpFields).filter(([k]) => !['judge', 'judgeConcurrency', 'hint'].includes(k))) as Omit<typeof evalHttpFields, 'judge' | 'judgeConcurrency' | 'hint'>),
  temperature: evalHttpFields.temperature.describe('openai: temperature sent with every request (default 0: the probes ask greedily); reasoning models accept only 1'),
};

export const CommonSchema = z.object({
  policy: z.string().min(1).describe(`the policy: ${policyForms().join(', ')} (oracle reads the scene's facts)`),
  out: outDirField().describe('output directory (re-running the same command resumes)'),
  batchSize: z.number().int().min(1).default(64).describe('items handed to the policy together each turn; for pipelined policies (openai:, ocr-follow), items in play at once, each stepped as its reply arrives'),
  overwrite: z.boolean().default(false).describe('discard results already in --out instead of resuming'),
  json: z.boolean().default(false).describe('print the summary as one JSON object on stdout'),
  progress: progressField('a progress bar'),
  ...httpFields,
});

export const HallSchema = CommonSchema.merge(HallucinationConfigSchema).extend({ judgeConcurrency: evalHttpFields.judgeConcurrency });
export const InjSchema = CommonSchema.merge(InjectionConfigSchema);

export const DATA_NOTE =
  'These probes run on generated scenes whose contents are known exactly: ProactiveBench-style data cannot serve (one labelled object per image, no multi-object truth, no place for injected text that the generator controls).';
