/**
 * `askfirst export --format trl`: episodes as a dataset external trainers load (TRL's
 * conversational prompt-only format with images, JSONL + PNG files and Parquet, and a dataset
 * card); see src/environment/trl-export.ts and docs/train-a-real-vlm.md.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { EVAL_MODES } from '../episode/types.js';
import { exportTrl } from '../environment/trl-export.js';
import { loadData } from '../suite/open.js';
import { progress } from '../util/progress.js';
import { addSchemaOptions, configFromOptions } from './options.js';
import { guardRun } from './run-guard.js';

export const ExportSchema = z.object({
  format: z.enum(['trl']).default('trl').describe('dataset format: trl (conversational prompt-only with images; also what OpenRLHF and verl read after a small conversion, see docs/train-a-real-vlm.md)'),
  data: z.string().min(1).describe('episodes: DIR, suite:DIR or proactivebench:DIR'),
  out: z.string().min(1).describe('output folder: new, empty, or an earlier export (replaced as a whole; it appears at once, never half-written)'),
  turns: z.enum(['path', 'first']).default('path').describe('path: one row per state on each episode\'s canonical path (single-turn training); first: one row per episode (multi-turn training via env serve)'),
  mode: z.enum(EVAL_MODES).default('proactive').describe('protocol mode of the prompts'),
  kinds: z.array(z.string()).optional().describe('only these scenario kinds'),
  limit: z.number().int().min(1).optional().describe('at most this many episodes per kind'),
  parquet: z.boolean().default(true).describe('also write train.parquet (images embedded)'),
  absolutePaths: z.boolean().default(false).describe('absolute image paths in train.jsonl (OpenRLHF opens them from its working directory)'),
  progress: z.boolean().default(true).describe('show a progress bar'),
});
export type ExportConfig = z.output<typeof ExportSchema>;

export async function runExport(cfg: ExportConfig) {
  const data = await loadData(cfg.data, { kinds: cfg.kinds, limit: cfg.limit });
  const bar = progress('exporting', data.episodes.length, { enabled: cfg.progress, unit: 'episodes' });
  const res = await exportTrl(data.episodes, data.loader, {
    out: cfg.out,
    turns: cfg.turns,
    mode: cfg.mode,
    parquet: cfg.parquet,
    absolutePaths: cfg.absolutePaths,
    source: cfg.data,
    onEpisode: () => bar.tick(),
  });
  bar.stop();
  return res;
}

/** What Ctrl-C during an export leaves: the folder is replaced as a whole (writeDirAtomic), so only a complete export ever appears in --out. */
export function exportInterruptedHint(out: string): string {
  return `an export appears in ${out} only once it is complete, and an earlier one there stays until then (the partial one left beside it is removed by the next run); run the same command again to export`;
}

export function register(program: Command): void {
  const cmd = program
    .command('export')
    .description('export episodes as a dataset external trainers load (--format trl: JSONL + images, Parquet, dataset card)')
    .addHelpText('after', '\nExample:\n  askfirst export --format trl --data suite --out datasets/askfirst-trl\n  askfirst export --format trl --data suite --out datasets/askfirst-mt --turns first');
  addSchemaOptions(cmd, ExportSchema);
  cmd.action(async (raw: Record<string, unknown>) => {
    const cfg = configFromOptions(ExportSchema, raw, 'export');
    const t0 = Date.now();
    const r = await guardRun(cfg.out, 'askfirst export', () => exportInterruptedHint(cfg.out), () => runExport(cfg)); // one export at a time into --out
    process.stderr.write(`wrote ${r.rows} rows (${r.images} images) to ${cfg.out}: ${r.files.join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  });
}
