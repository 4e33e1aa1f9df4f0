/** `askfirst suite generate`: its options and --help; the work is in suite.ts, loaded only when it runs (commands.ts). */
import type { Command } from 'commander';
import { SuiteGenerateSchema } from './suite-schema.js';
import { addSchemaOptions, commandGroup } from './options.js';

export function register(program: Command): void {
  const suite = commandGroup(program, 'suite', 'synthetic scenario suites: generate, show');
  const cmd = suite
    .command('generate')
    .description('generate a synthetic suite of proactive episodes (N per kind, deterministic by seed)')
    .action(async (raw: Record<string, unknown>) => (await import('./suite.js')).suiteGenerateAction(raw));
  addSchemaOptions(cmd, SuiteGenerateSchema);
}
