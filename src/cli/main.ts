/** The askfirst command line. Each subcommand lives in its own file under cli/. */
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { describeError, isAskfirstError } from '../util/errors.js';
import { explainFsError } from '../util/fs-errors.js';
import { InvalidConfigError, settingName, type FieldNamer } from '../util/config.js';
import { ALLOW_OLD_CHECKPOINT_ENV } from '../nn/old-checkpoints.js';
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
  let running: Command | undefined; // the subcommand whose action runs: its flags name the fields of a bad config
  program.hook('preAction', (_program, action) => {
    running = action;
  });
  try {
    await program.parseAsync(argv);
  } catch (caught) {
    const e = isAskfirstError(caught) ? caught : (explainFsError(caught) ?? caught);
    if (e instanceof InvalidConfigError && running) {
      console.error(`askfirst: ${e.describe(flagNamer(running), `invalid options of askfirst ${commandPath(running)}`)}`);
    } else if (isAskfirstError(e)) {
      console.error(`askfirst: ${e.message}`);
    } else {
      console.error(`askfirst: unexpected error: ${describeError(e)}`);
      if (process.env.ASKFIRST_DEBUG && e instanceof Error) console.error(e.stack);
      else console.error('(set ASKFIRST_DEBUG=1 for the stack trace; please report it)');
    }
    process.exitCode = 1;
  }
}

/** `train rl` for the command `askfirst train rl`. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Name a config field as the user typed it: the flag of the option whose value it is (`--batch-size`,
 * `--kinds` for `kinds.0`), or the setting in the `--config FILE` it came from; a field that is no
 * option of the command keeps its setting's name.
 */
export function flagNamer(cmd: Command): FieldNamer {
  const options = new Map<string, { flag: string; owner: Command }>();
  for (let c: Command | null = cmd; c; c = c.parent) for (const o of c.options) if (o.long && !options.has(o.attributeName())) options.set(o.attributeName(), { flag: o.long, owner: c });
  const configFile = cmd.getOptionValue('config') as unknown;
  return (path) => {
    const o = path.length ? options.get(String(path[0])) : undefined;
    if (!o) return settingName(path);
    if (typeof configFile === 'string' && o.owner.getOptionValueSource(String(path[0])) !== 'cli') return `${String(path[0])} in --config ${configFile}`;
    return o.flag;
  };
}
