/** The settings of `askfirst feedback pairs|simulate|demo-aggregate` (`feedback demo`'s are demo/feedback-config.ts): light, read at startup for their options and --help (commands.ts). */
import { z } from 'zod';
import { SimulateConfigSchema } from '../feedback/simulate.js';
import { dbFields, newDbFields } from './feedback-schema.js';
import { newProjectField } from '../feedback/db-dir.js';
import { unusedProgressField, progressField, seedField, seedListItem } from '../util/config.js';

export const PairsSchema = z.object({
  ...newDbFields,
  project: newProjectField().describe('project name (created if missing; its image folder is the suite directory, so an existing project must come from the same suite)'),
  suite: z.string().min(1).describe('the suite the results were made on (episodes.jsonl + images/)'),
  results: z.array(z.string()).min(1).describe('results.jsonl files (askfirst eval --out DIR: DIR/proactive/results.jsonl), comma-separated; plays of one episode id become pairs'),
  perEpisode: z.number().int().min(1).default(1).describe('pairs per episode at most'),
  labelsPerItem: z.number().int().min(1).max(50).default(1).describe('annotators per pair'),
  seed: seedField().default(0).describe('seed of the A/B order'),
  progress: progressField('progress bars on stderr (reading the suite, inserting the pairs)'),
});

export const SimulateSchema = SimulateConfigSchema.extend({
  ...dbFields,
  project: z.string().min(1).describe('project whose trajectory pairs to label'),
  annotators: z.number().int().min(1).max(100).default(3).describe('simulated annotators (each gets its own token)'),
  host: z.string().default('127.0.0.1').describe('interface of the workbench it serves'),
  port: z.number().int().min(0).max(65535).default(0).describe('port of the workbench it serves (0 = any free port)'),
  progress: progressField('a progress bar on stderr (the labels given)'),
});

export const DemoAggregateSchema = z.object({
  out: z.string().min(1).describe('the folder holding seed-<n>/feedback.json'),
  seeds: z.array(seedListItem()).min(1, { error: 'give at least one seed, e.g. --seeds 0,1,2' }).describe('seeds to fold, comma-separated'),
  progress: unusedProgressField('feedback demo-aggregate'),
});
