/**
 * options.ts's `refuseUnread`: the one way every command refuses options its chosen mode would ignore; and the --help
 * line of a setting on by default (its --no-X flag).
 */
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { z } from 'zod';
import { addSchemaOptions, offFlagDescription, refuseUnread } from './options.js';
import { buildProgram } from './main.js';
import { onByDefault } from '../util/config.js';

const Schema = z.object({
  port: z.number().default(8787),
  host: z.string().default('127.0.0.1'),
  limit: z.number().optional(),
  logprobs: onByDefault('ask for log-probabilities', 'do not ask for log-probabilities'),
  history: z.boolean().default(false),
});

describe('refuseUnread', () => {
  it('names the given flags, one message shape, singular and plural', () => {
    expect(() => refuseUnread(Schema, { port: '9' }, { keys: ['port', 'host'], readBy: 'read by --critic workbench only' }, 'with --critic auto', 'add --critic workbench')).toThrow(
      '--port does not apply with --critic auto: it is read by --critic workbench only; leave it out, or add --critic workbench',
    );
    expect(() => refuseUnread(Schema, { port: '9', host: 'h' }, { keys: ['port', 'host'], readBy: 'read with --suite only' }, 'with --demo')).toThrow(
      '--port, --host do not apply with --demo: they are read with --suite only; leave them out',
    );
  });

  it('a value equal to the default still counts as given (it was typed), except a boolean at its default', () => {
    expect(() => refuseUnread(Schema, { port: 8787 }, { keys: ['port'], readBy: 'x' }, 'here')).toThrow(/^--port does not apply here/);
    // commander sets a --no-x option's true itself; a config's "history": false changes nothing
    expect(() => refuseUnread(Schema, { logprobs: true, history: false, limit: undefined }, { keys: ['logprobs', 'history', 'limit'], readBy: 'x' }, 'here')).not.toThrow();
    expect(() => refuseUnread(Schema, { logprobs: false, history: true }, { keys: ['logprobs', 'history'], readBy: 'read by y' }, 'here')).toThrow(
      '--no-logprobs, --history do not apply here: they are read by y; leave them out',
    );
  });

  it("commander's options are the options as given: a non-boolean default is not there unless typed, a --no-x default is at its default", () => {
    const given = (...args: string[]) => addSchemaOptions(new Command(), Schema).parse(args, { from: 'user' }).opts();
    const all = { keys: ['port', 'host', 'logprobs', 'history'], readBy: 'read by y' };
    expect(() => refuseUnread(Schema, given(), all, 'here')).not.toThrow();
    expect(() => refuseUnread(Schema, given('--port', '8787', '--no-logprobs'), all, 'here')).toThrow('--port, --no-logprobs do not apply here: they are read by y; leave them out');
  });

  it('several groups, each with its own reader, in one message', () => {
    expect(() =>
      refuseUnread(Schema, { history: true, limit: 3, port: 1 }, [{ keys: ['history', 'limit'], readBy: 'read by a' }, { keys: ['port'], readBy: 'read by b' }, { keys: ['host'], readBy: 'read by c' }], 'with z', 'use w'),
    ).toThrow('--history, --limit, --port do not apply with z: --history, --limit are read by a; --port is read by b; leave them out, or use w');
  });
});

describe('addSchemaOptions', () => {
  it('a value not among an enum option\'s choices: commander\'s error, with "(Did you mean …?)" when one is close', () => {
    const cmd = addSchemaOptions(new Command('export').exitOverride(), z.object({ format: z.enum(['trl', 'lmms-eval']).default('trl').describe('format') }));
    const parse = (v: string) => () => cmd.parse(['--format', v], { from: 'user' });
    cmd.configureOutput({ writeErr: () => {} });
    expect(parse('trll')).toThrow("option '--format <name>' argument 'trll' is invalid. Allowed choices are trl, lmms-eval (Did you mean trl?).");
    expect(parse('xyz')).toThrow("option '--format <name>' argument 'xyz' is invalid. Allowed choices are trl, lmms-eval.");
    expect(cmd.options[0].argChoices).toEqual(['trl', 'lmms-eval']); // --help still lists them
    expect(cmd.parse(['--format', 'lmms-eval'], { from: 'user' }).opts().format).toBe('lmms-eval');
  });
});

describe('--no-progress in every command\'s --help', () => {
  /** Every command of the program, subcommands included, with its full name ("feedback status"). */
  const commands = (c: Command, prefix = ''): [string, Command][] => c.commands.flatMap((s) => [[`${prefix}${s.name()}`, s] as [string, Command], ...commands(s, `${prefix}${s.name()} `)]);

  it('reads "do not show …" (it read "turn off (on by default): show a progress bar", as if the flag showed one)', async () => {
    const all = commands(await buildProgram()).filter(([, c]) => c.options.some((o) => o.long === '--no-progress'));
    expect(all.length).toBeGreaterThanOrEqual(20); // eval, report, compare, the train stages, the feedback commands, …
    for (const [name, c] of all) {
      const desc = c.options.find((o) => o.long === '--no-progress')!.description;
      expect(desc, name).toMatch(/^do not show (a progress bar|progress bars)\b/);
      expect(c.helpInformation(), name).toMatch(/\n {2}--no-progress {2,}do not show /);
    }
    expect(all.map(([n]) => n)).toEqual(expect.arrayContaining(['eval', 'report', 'compare', 'train rl', 'feedback status', 'demo']));
  });

  it('every --no-X line of every command says plainly what the flag does, never "turn off (on by default): …"', async () => {
    const program = await buildProgram();
    const all: [string, Command][] = [['askfirst', program], ...commands(program)];
    const lines = all.flatMap(([name, c]) => c.options.filter((o) => o.negate).map((o) => ({ name, flag: o.long!, desc: o.description, help: c.helpInformation() })));
    expect(lines.length).toBeGreaterThanOrEqual(25); // every --no-progress, and --no-logprobs, --no-filter, --no-parquet, …
    for (const { name, flag, desc, help } of lines) {
      expect(help, `${name} ${flag}`).not.toMatch(/turn off \(on by default\)/);
      expect(desc, `${name} ${flag}`).not.toMatch(/\bon by default\)?:/);
    }
    const of = (name: string, flag: string) => lines.find((l) => l.name === name && l.flag === flag)?.desc;
    expect(of('eval', '--no-logprobs')).toMatch(/^openai: do not ask for first-token log-probabilities/);
    expect(of('eval', '--no-jpeg-passthrough')).toMatch(/^openai: re-encode a JPEG view file as PNG/);
    expect(of('probe injection', '--no-logprobs')).toBe(of('eval', '--no-logprobs'));
    expect(of('suite show', '--no-filter')).toMatch(/^ProactiveBench data: show every entry/);
    expect(of('export', '--no-parquet')).toMatch(/^do not write train\.parquet/);
    expect(of('demo', '--no-baselines')).toMatch(/^skip the baselines/);
  });

  it("a setting on by default takes its --no-X flag's words from onByDefault; one with none is a mistake in its schema, refused", () => {
    const help = addSchemaOptions(new Command('x'), z.object({ parquet: onByDefault('also write train.parquet', 'do not write train.parquet') })).helpInformation();
    expect(help).toMatch(/\n {2}--no-parquet {2,}do not write train\.parquet\n/);
    expect(offFlagDescription('show progress bars on stderr')).toBe('do not show progress bars on stderr');
    expect(() => addSchemaOptions(new Command('x'), z.object({ parquet: z.boolean().default(true).describe('also write train.parquet') }))).toThrow(
      '--no-parquet: a setting on by default needs the words of its --no-X flag (util/config.ts onByDefault), not only "also write train.parquet"',
    );
  });
});
