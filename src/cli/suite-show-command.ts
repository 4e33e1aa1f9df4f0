/** `askfirst suite show`: its options and --help; the work is in suite-show.ts, loaded only when it runs (commands.ts). */
import type { Command } from 'commander';
import { SuiteShowSchema } from './suite-show-schema.js';
import { addSchemaOptions, commandGroup } from './options.js';

export function register(program: Command): void {
  const suite = commandGroup(program, 'suite', 'generate, inspect and convert scenario suites');
  const cmd = suite
    .command('show')
    .description("render an episode's views, moves and options as one PNG contact sheet")
    .addHelpText(
      'after',
      '\nExamples:\n  askfirst suite show --data suite/ --episode occlusion-00003 --out occ.png\n  askfirst suite show --data suite/ --all-kinds --out sheets/\n  askfirst suite show --data proactivebench:ProactiveBench/test --kind corruption --index 5',
    );
  addSchemaOptions(cmd, SuiteShowSchema);
  cmd.action(async (raw: Record<string, unknown>) => (await import('./suite-show.js')).suiteShowAction(raw));
}
