/** The settings of `askfirst suite show`: light, read at startup for its options and --help (commands.ts). */
import { z } from 'zod';
import { onByDefault, outPathField, progressField } from '../util/config.js';

export const SuiteShowSchema = z.object({
  data: z.string().min(1).describe("the data, as eval --data reads it: a folder (askfirst's format or ProactiveBench's layout, its files tell which), suite:DIR or proactivebench:DIR"),
  episode: z.string().optional().describe('id of the episode to show'),
  kind: z.string().optional().describe('show the --index-th episode of this kind instead of --episode'),
  index: z.number().int().min(0).default(0).describe('with --kind: which episode of that kind (0 = the first)'),
  allKinds: z.boolean().default(false).describe('write one sheet per kind (its first non-control episode) into the --out folder'),
  out: outPathField().optional().describe('output PNG file (a folder with --all-kinds); default sheet-<episode>.png, or sheets/'),
  overwrite: z.boolean().default(false).describe('replace sheet files that already exist (without it, an existing one is refused)'),
  tile: z.number().int().min(32).max(1024).default(256).describe('longest side of each view in the sheet, in pixels'),
  maxViews: z.number().int().min(1).max(1000).default(24).describe('draw at most this many views of an episode'),
  filter: onByDefault('ProactiveBench data: show only the ids the paper evaluates', 'ProactiveBench data: show every entry, not only the ids the paper evaluates'),
  progress: progressField('progress bars while the data is read (as eval does)'),
});
export type SuiteShowConfig = z.output<typeof SuiteShowSchema>;
