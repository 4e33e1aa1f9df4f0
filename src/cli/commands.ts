/** Every askfirst subcommand, one file each; add yours here with one line. */
import type { Command } from 'commander';

export type CommandModule = { register(program: Command): void };

export async function loadCommands(): Promise<CommandModule[]> {
  return Promise.all([
    // one line per command module:
    import('./suite.js'),
    import('./suite-show.js'),
    import('./demo.js'),
    import('./train.js'),
    import('./eval.js'),
    import('./serve.js'),
    import('./report.js'),
    import('./feedback.js'),
    import('./feedback-rlhf.js'),
    import('./env.js'),
    import('./export.js'),
    import('./probe.js'),
  ]);
}
