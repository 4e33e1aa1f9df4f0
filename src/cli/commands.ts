/**
 * Every askfirst subcommand; add yours here with one line.
 *
 * Startup pays only for the command that runs: each `<name>-command.ts` below registers its
 * options (generated from the zod schemas in the light `<name>-schema.ts`) and --help, and its
 * action loads the module that does the work, `<name>.ts`, with `await import()` only when it
 * runs. A command module imports nothing heavy at its top level: the schemas it takes from below
 * cli/ come from light modules (rl/configs.ts, demo/feedback-config.ts …), never from the trainers
 * or the demo themselves. commands.test.ts checks that startup loads no command's work, no engine
 * and no Vega.
 */
import type { Command } from 'commander';

export type CommandModule = { register(program: Command): void };

export async function loadCommands(): Promise<CommandModule[]> {
  return Promise.all([
    // one line per command module:
    import('./suite-command.js'),
    import('./suite-show-command.js'),
    import('./demo-command.js'),
    import('./train-command.js'),
    import('./eval-command.js'),
    import('./serve-command.js'),
    import('./report-command.js'),
    import('./compare-command.js'),
    import('./feedback-command.js'),
    import('./feedback-rlhf-command.js'),
    import('./env-command.js'),
    import('./export-command.js'),
    import('./probe-command.js'),
  ]);
}
