/**
 * Every askfirst subcommand; add yours here with one line.
 *
 * Startup pays only for the command that runs: each `<name>-command.ts` below registers its
 * options (generated from the zod schemas in the light `<name>-schema.ts`) and --help, and its
 * action loads the module that does the work, `<name>.ts`, with `await import()` only when it
 * runs. So `askfirst --help` or `askfirst eval …` never loads training, the WASM engine, PGlite or
 * the servers of the other commands. A command module imports nothing heavy at its top level.
 */
import type { Command } from 'commander';

export type CommandModule = { register(program: Command): void };

export async function loadCommands(): Promise<CommandModule[]> {
  return Promise.all([
    // one line per command module:
    import('./suite-command.js'),
    import('./suite-show-command.js'),
    import('./demo-command.js'),
    import('./train.js'),
    import('./eval-command.js'),
    import('./serve-command.js'),
    import('./report-command.js'),
    import('./feedback-command.js'),
    import('./feedback-rlhf.js'),
    import('./env-command.js'),
    import('./export-command.js'),
    import('./probe-command.js'),
  ]);
}
