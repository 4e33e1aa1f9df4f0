/** The settings of `askfirst suite generate`: light, read at startup for its options and --help (commands.ts). */
import { z } from 'zod';
import { outDirField, progressField } from '../util/config.js';
import { SuiteConfigSchema } from '../suite/suite-config.js';

export const SuiteGenerateSchema = SuiteConfigSchema.extend({
  out: outDirField().describe('output directory'),
  format: z.enum(['own', 'proactivebench']).default('own').describe("on-disk layout: askfirst's own (episodes.jsonl + images/) or ProactiveBench's"),
  progress: progressField('a progress bar on stderr'),
});
export type SuiteGenerateConfig = z.output<typeof SuiteGenerateSchema>;

/**
 * Generate and write a suite; returns a short summary. `onWriting` is called when writing into `cfg.out` begins (until
 * then nothing there has changed). The event loop gets a turn after each generated episode, so Ctrl-C's handler runs.
 */
