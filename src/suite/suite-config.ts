/** The settings of a generated suite (light: `askfirst suite generate --help` and `train`'s options read them without the generators). */
import { z } from 'zod';
import { SCENARIO_KINDS } from './kinds/names.js';
import { suiteKindListField } from './kinds/registry.js';
import { resolveConfig, seedField } from '../util/config.js';

/** The share of control episodes (answerable at the first view) a suite has unless told otherwise. */
export const DEFAULT_CONTROL_SHARE = 0.15;

export const SuiteConfigSchema = z.object({
  episodes: z.number().int().min(1).max(1_000_000).default(70).describe('episodes per kind'),
  kinds: suiteKindListField().default([...SCENARIO_KINDS]).describe('scenario kinds to generate'),
  seed: seedField().default(0).describe('random seed (same seed → same suite)'),
  size: z.number().int().min(32).max(512).default(64).describe('view width and height in pixels'),
  controlShare: z.number().min(0).max(1).default(DEFAULT_CONTROL_SHARE).describe('share of control episodes (answerable at the first view)'),
});
export type SuiteConfig = z.output<typeof SuiteConfigSchema>;

export function resolveSuiteConfig(partial: unknown): SuiteConfig {
  return resolveConfig(SuiteConfigSchema, partial, 'suite');
}
