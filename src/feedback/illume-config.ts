/** The settings of ILLUME's rationale loop (illume.ts): light, so `askfirst feedback illume --help` reads them without loading the engine. */
import { z } from 'zod';
import { seedField } from '../util/config.js';

export const IllumeConfigSchema = z.object({
  rounds: z.number().int().min(1).max(100).default(4).describe('sample → critique → fine-tune rounds'),
  k: z.number().int().min(1).max(20).default(3).describe('rationales sampled per item and round'),
  epochs: z.number().int().min(1).max(500).default(10).describe('fine-tuning passes over the accepted rationales per round'),
  batchSize: z.number().int().min(1).default(32).describe('fine-tuning minibatch size'),
  temperature: z.number().positive().default(2).describe('sampling temperature (above 1 keeps exploring rationales the head is not yet sure of)'),
  lr: z.number().positive().default(0.02).describe('AdamW learning rate of the rationale head'),
  hidden: z.number().int().min(1).default(32).describe('hidden units of the rationale head'),
  seed: seedField().default(1).describe('seed for sampling and initialisation'),
});
export type IllumeConfig = z.output<typeof IllumeConfigSchema>;
