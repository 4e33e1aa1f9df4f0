/** `askfirst export`: its options and --help; the work is in export.ts, loaded only when it runs (commands.ts). */
import type { Command } from 'commander';
import { ExportSchema } from './export-schema.js';
import { addSchemaOptions } from './options.js';

export function register(program: Command): void {
  const cmd = program
    .command('export')
    .description('export episodes as a dataset external trainers and evaluation harnesses load (--format trl: JSONL + images, Parquet, dataset card; --format lmms-eval: the first turns, or with --turns episode whole episodes, for lmms-eval)')
    .addHelpText('after', '\nExample:\n  askfirst export --format trl --data suite --out datasets/askfirst-trl\n  askfirst export --format trl --data suite --out datasets/askfirst-mt --turns first\n  askfirst export --format lmms-eval --data suite --out integrations/lmms_eval/askfirst_first_turn/data\n  askfirst export --format lmms-eval --turns episode --data suite --out integrations/lmms_eval/askfirst_episode/data');
  addSchemaOptions(cmd, ExportSchema);
  cmd.action(async (raw: Record<string, unknown>) => (await import('./export.js')).exportAction(raw));
}
