/** `askfirst export`: its options and --help; the work is in export.ts, loaded only when it runs (commands.ts). */
import { InvalidArgumentError, type Command } from 'commander';
import { ExportSchema } from './export-schema.js';
import { addSchemaOptions } from './options.js';

export function register(program: Command): void {
  const cmd = program
    .command('export')
    .description('export episodes as a dataset external trainers and evaluation harnesses load (--format trl: JSONL + images, Parquet, dataset card; --format lmms-eval: the first turns, or with --turns episode whole episodes, for lmms-eval)')
    .addHelpText('after', '\nExample:\n  askfirst export --format trl --data suite --out datasets/askfirst-trl\n  askfirst export --format trl --data suite --out datasets/askfirst-trl --overwrite   # again: replaces that export\n  askfirst export --format trl --data suite --out datasets/askfirst-mt --turns first\n  askfirst export --format lmms-eval --data suite --out integrations/lmms_eval/askfirst_first_turn/data\n  askfirst export --format lmms-eval --turns episode --data suite --out integrations/lmms_eval/askfirst_episode/data');
  addSchemaOptions(cmd, ExportSchema);
  // a trainer named as the format (a researcher moving to verl or OpenRLHF): what it reads, instead of "Did you mean trl?"
  const format = cmd.options.find((o) => o.long === '--format')!;
  const choice = format.parseArg!;
  format.argParser((value: string, previous: unknown) => {
    const hint = TRAINER_FORMATS[value.toLowerCase()];
    if (hint) throw new InvalidArgumentError(`${hint}; --format takes ${format.argChoices!.join(' or ')}`); // the valid ones, as for any other bad --format
    return choice(value, previous);
  });
  cmd.action(async (raw: Record<string, unknown>) => (await import('./export.js')).exportAction(raw));
}

/** Trainers that read a trl export, which a user may give as --format: what to run instead (one line each). */
export const TRAINER_FORMATS: Record<string, string> = {
  verl: 'verl reads a trl export converted to its Parquet: askfirst export --format trl --turns first, then python integrations/verl/make_verl_data.py --trl <that folder> --out <verl data> (integrations/verl/README.md)',
  openrlhf: "OpenRLHF reads a trl export's train.jsonl as it is: askfirst export --format trl --absolute-paths, with --turns first for its multi-turn agent (integrations/openrlhf/README.md)",
};
