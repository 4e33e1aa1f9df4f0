/** The askfirst command line. Each subcommand lives in its own file under cli/. */
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { describeError, isAskfirstError } from '../util/errors.js';
import { explainFsError } from '../util/fs-errors.js';
import { ALLOW_OLD_CHECKPOINT_ENV } from '../nn/checkpoint.js';
import { loadCommands } from './commands.js';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string; description: string };

export async function buildProgram(): Promise<Command> {
  const program = new Command('askfirst')
    .description(pkg.description)
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .option('--allow-old-checkpoint', 'load checkpoints of an older layout (no checksum, later parameters missing: filled with zeros, with a warning naming them)')
    .hook('preAction', () => {
      if (program.opts().allowOldCheckpoint) process.env[ALLOW_OLD_CHECKPOINT_ENV] = '1';
    });
  for (const m of await loadCommands()) m.register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = await buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (caught) {
    const e = isAskfirstError(caught) ? caught : (explainFsError(caught) ?? caught);
    if (isAskfirstError(e)) {
      console.error(`askfirst: ${e.message}`);
    } else {
      console.error(`askfirst: unexpected error: ${describeError(e)}`);
      if (process.env.ASKFIRST_DEBUG && e instanceof Error) console.error(e.stack);
      else console.error('(set ASKFIRST_DEBUG=1 for the stack trace; please report it)');
    }
    process.exitCode = 1;
  }
}
