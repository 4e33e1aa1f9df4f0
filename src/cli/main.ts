/** The askfirst command line. Each subcommand lives in its own file under cli/. */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { cliExitCode, describeError, isAskfirstError } from '../util/errors.js';
import { explainFsError, withTildeHint } from '../util/fs-errors.js';
import { InvalidConfigError, settingName, type FieldNamer } from '../util/config.js';
import { ALLOW_OLD_CHECKPOINT_ENV } from '../nn/old-checkpoints.js';
import { loadCommands } from './commands.js';
import { CLOSED_PIPE_EXIT, exitQuietlyOnClosedPipe } from './closed-pipe.js';
import { requireCurrentFolder } from './current-folder.js';
import { endOnceDrained, Interrupted, SIGNAL_EXIT } from './signals.js';
import { interruptOpenBars } from '../util/progress.js';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string; description: string };

export async function buildProgram(): Promise<Command> {
  const program = new Command('askfirst')
    .description(pkg.description)
    .version(pkg.version)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .addHelpText('after', `\n${EXIT_STATUS_HELP}`)
    .option('--allow-old-checkpoint', 'load checkpoints of an older layout (no checksum, later parameters missing: filled with zeros, with a warning naming them)')
    .option('--plugin <file>', 'an ES module whose exported `kinds` (scenario kinds of your own: docs/library.md) the command takes besides the built-in ones; repeatable', (v: string, prev?: string[]) => [...(prev ?? []), v])
    .hook('preAction', async () => {
      if (program.opts().allowOldCheckpoint) process.env[ALLOW_OLD_CHECKPOINT_ENV] = '1';
      const plugins = program.opts<{ plugin?: string[] }>().plugin;
      if (plugins?.length) await (await import('./plugins.js')).loadPlugins(plugins); // loaded only when given
    });
  for (const m of await loadCommands()) m.register(program);
  oneLineParseErrors(program);
  return program;
}

/**
 * Every command's exit status, the same for all (README.md, "Exit status"): what a script or a supervisor can tell
 * from it. A bad option or setting is an error like any other (1): a `--config FILE`'s bad value is both.
 */
export const EXIT_STATUS_HELP = `Exit status (every command):
  0    done
  1    an error, a bad option or setting included (one line on stderr says what to fix)
  ${SIGNAL_EXIT.SIGINT}  stopped by Ctrl-C, ${SIGNAL_EXIT.SIGTERM} by SIGTERM: it ends by that signal, once what is kept is said and written out
  ${CLOSED_PIPE_EXIT}  its reader closed the pipe early (\`askfirst … | head\`): it ends by SIGPIPE, as cat does, unless an error had set its own status first`;

/**
 * commander's own complaints (an unknown option or command, a stray argument, a value not among an option's
 * choices, a missing argument) in askfirst's shape, on every command: one line "askfirst: <what is wrong>; see
 * askfirst <command> --help", exit 1 (docs/hardening.md, "Workbench and the command line"). commander returns
 * instead of exiting (exitOverride), so main() sets the exit code, as for every other error.
 */
function oneLineParseErrors(cmd: Command): void {
  const path = commandPath(cmd);
  cmd.exitOverride().configureOutput({
    outputError: (str) => {
      let msg = str.trim().replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').replace(/\.$/, ''); // "(Did you mean --limit?)" on the same line
      if (msg.startsWith('too many arguments')) {
        const n = cmd.registeredArguments.length;
        const extra = cmd.args.slice(n).map((a) => JSON.stringify(a));
        msg = `unexpected argument${extra.length === 1 ? '' : 's'} ${extra.join(' ')}: askfirst ${path} takes ${n ? n : 'none: every setting is an option'}`;
      }
      console.error(`askfirst: ${msg}; see askfirst ${path ? `${path} ` : ''}--help`);
    },
  });
  for (const c of cmd.commands) oneLineParseErrors(c);
}

export async function main(argv: string[]): Promise<void> {
  exitQuietlyOnClosedPipe(); // `askfirst … | head`: the reader closing early ends askfirst quietly
  const program = await buildProgram();
  let running: Command | undefined; // the subcommand whose action runs: its flags name the fields of a bad config
  program.hook('preAction', (_program, action) => {
    running = action;
    requireCurrentFolder(); // a deleted current folder: one line, not a hang on the first relative --out (cli/current-folder.ts)
  });
  try {
    await program.parseAsync(argv);
  } catch (caught) {
    if (caught instanceof CommanderError) {
      process.exitCode = caught.exitCode; // commander has said it: help, the version, or one line (oneLineParseErrors)
      return;
    }
    // the progress bars a run left open (an error between its steps: a full disk, a file that could not be read) say
    // where it failed before the error's line, not left drawn at "3/200 steps" on a terminal or ended without a word
    // (a signal's bars said "stopped" already, cli/signals.ts: none is left open for this)
    interruptOpenBars(caught instanceof Interrupted ? 'interrupt' : 'fail');
    const e = isAskfirstError(caught) ? caught : (explainFsError(caught) ?? caught);
    if (e instanceof InvalidConfigError && running) {
      console.error(`askfirst: ${e.describe(flagNamer(running), `invalid options of askfirst ${commandPath(running)}`)}`);
    } else if (isAskfirstError(e)) {
      console.error(`askfirst: ${withTildeHint(e.message)}`);
    } else {
      console.error(`askfirst: unexpected error: ${describeError(e)}`);
      if (process.env.ASKFIRST_DEBUG && e instanceof Error) console.error(e.stack);
      else console.error('(set ASKFIRST_DEBUG=1 for the stack trace; please report it)');
    }
    // an interrupted run: once the event loop has drained (what it wrote is out), by the signal itself, so a shell script stops too
    if (e instanceof Interrupted) endOnceDrained(e.signal);
    else process.exitCode = cliExitCode(e); // 1
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
