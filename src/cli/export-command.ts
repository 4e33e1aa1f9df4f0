/** `askfirst export`: its options and --help; the work is in export.ts, loaded only when it runs (commands.ts). */
import type { Command } from 'commander';
import { ExportSchema } from './export-schema.js';
import { addSchemaOptions } from './options.js';

export function register(program: Command): void {
  const cmd = program
    .command('export')
    .description('export episodes as a dataset external trainers load (--format trl: JSONL + images, Parquet, dataset card)')
    .addHelpText('after', '\nExample:\n  askfirst export --format trl --data suite --out datasets/askfirst-trl\n  askfirst export --format trl --data suite --out datasets/askfirst-mt --turns first');
  addSchemaOptions(cmd, ExportSchema);
  cmd.action(async (raw: Record<string, unknown>) => (await import('./export.js')).exportAction(raw));
}
