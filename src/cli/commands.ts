/**
 * Every askfirst subcommand; add yours here with one line.
 *
 * Startup pays only for the command that runs: each `<name>-command.ts` below registers its
 * options (generated from the zod schemas in the light `<name>-schema.ts`) and --help, and its
 * action loads the module that does the work, `<name>.ts`, with `await import()` only when it
 * runs. A command module imports nothing heavy at its top level. Not yet split: train.js and
 * feedback-rlhf.js (their schemas live beside the trainers and the feedback demo), which still load
 * their work, and with it the report's Vega, at startup.
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
