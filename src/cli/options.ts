/** Glue between config schemas and commander: options and --help come from the schema. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { coerceOptions, kebab, resolveConfig, schemaOptions, type AnyObjectSchema } from '../util/config.js';
import { InputError } from '../util/errors.js';
import { didYouMean } from '../util/did-you-mean.js';
import type { z } from 'zod';

/** Add one commander option per schema field (description, default and choices included). */
export function addSchemaOptions(cmd: Command, schema: AnyObjectSchema): Command {
  for (const o of schemaOptions(schema)) {
    // The schema applies defaults itself; --help shows them in the description.
    // A field that defaults to true becomes a --no-X flag: its line says what the flag does.
    let desc = o.description;
    if (o.kind === 'boolean') desc = o.defaultValue === true ? offFlagDescription(desc, o.offDescription, o.flags) : desc;
    else if (o.required) desc += ' (required)';
    else if (o.defaultValue !== undefined && !(Array.isArray(o.defaultValue) && o.defaultValue.length === 0)) desc += ` (default: ${Array.isArray(o.defaultValue) ? o.defaultValue.join(',') : String(o.defaultValue)}${o.range ? `; ${o.range}` : ''})`;
    // a number's range, which --help did not say: `--augment 2` was refused ("must be at most 1") by a bound no line showed
    if (o.range && !desc.endsWith(`; ${o.range})`)) desc += ` (${o.range})`;
    const opt = new Option(o.flags, desc);
    if (o.choices) opt.choices(o.choices).argParser(choiceOf(o.choices));
    cmd.addOption(opt);
  }
  return cmd;
}

/**
 * The --help line of a setting on by default, which commander shows as its --no-X flag: what the flag does, said plainly.
 * A "show …" setting (every command's --no-progress, util/config.ts `progressField`) reads "do not show …"; another
 * gives its flag's words itself (util/config.ts `onByDefault`: "--no-parquet  do not write train.parquet …"). Such lines
 * read "turn off (on by default): also write train.parquet" before, and "turn off (on by default): show a progress bar",
 * which said the flag shows one; a setting on by default with neither is a mistake in its schema, refused here.
 */
export function offFlagDescription(description: string, off?: string, flag = 'a --no-X flag'): string {
  if (off) return off;
  if (description.startsWith('show ')) return `do not ${description}`;
  throw new Error(`${flag}: a setting on by default needs the words of its --no-X flag (util/config.ts onByDefault), not only "${description}"`);
}

/** commander's check of a value among `choices` (its words), with its "(Did you mean …?)" for a close one: `--format trll`. */
function choiceOf(choices: readonly string[]): (value: string) => string {
  return (value) => {
    if (!choices.includes(value)) throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')}${didYouMean(value, choices)}.`);
    return value;
  };
}

/** Turn commander's parsed options into a validated config. */
export function configFromOptions<S extends AnyObjectSchema>(schema: S, raw: Record<string, unknown>, what: string): z.output<S> {
  return resolveConfig(schema, coerceOptions(schemaOptions(schema), raw, what), what);
}

/** Find or create a command group such as `suite` or `feedback`, so several files can add subcommands to it. */
export function commandGroup(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

/** Settings a mode does not read, and what reads them instead (`readBy`: "read by --algorithm grpo only"). */
export interface Unread {
  keys: readonly string[];
  readBy: string;
}

/**
 * Refuse options the chosen mode would ignore, rather than ignore them; every command says it the same way:
 * "--x, --y do not apply <when>: they are <readBy>; leave them out, or <orElse>" (several groups, each with its
 * own reader: "--x is <readBy 1>; --y is <readBy 2>"). `given` holds the options as the user gave them, before any
 * schema default is filled in: commander's (addSchemaOptions gives commander no defaults), merged with a `--config`
 * file's settings where the command has one — never a config resolved from them, whose defaults would count as given.
 * A key counts as given when it is set, even to its default (`--port 8787` was typed); a boolean only when it differs
 * from its default in `schema` (commander sets a `--no-x` option's true itself, and a config's `"x": true` changes
 * nothing). Flags are named as typed: `--no-logprobs` for a false.
 */
export function refuseUnread(schema: AnyObjectSchema, given: Readonly<Record<string, unknown>>, unread: Unread | readonly Unread[], when: string, orElse?: string): void {
  const defaults = new Map(schemaOptions(schema).map((o) => [o.key, o.defaultValue]));
  const groups = (Array.isArray(unread) ? unread : [unread]) as readonly Unread[];
  const found = groups
    .map((g) => ({ ...g, flags: g.keys.filter((k) => isGiven(given[k], defaults.get(k))).map((k) => (given[k] === false ? `--no-${kebab(k)}` : `--${kebab(k)}`)) }))
    .filter((g) => g.flags.length);
  const flags = found.flatMap((g) => g.flags);
  if (!flags.length) return;
  const one = flags.length === 1;
  const why = found.length === 1 ? `${one ? 'it is' : 'they are'} ${found[0].readBy}` : found.map((g) => `${g.flags.join(', ')} ${g.flags.length === 1 ? 'is' : 'are'} ${g.readBy}`).join('; ');
  throw new InputError(`${flags.join(', ')} ${one ? 'does' : 'do'} not apply ${when}: ${why}; leave ${one ? 'it' : 'them'} out${orElse ? `, or ${orElse}` : ''}`);
}

/** A value the user set: any value but undefined, a boolean only when it is not its default. */
function isGiven(value: unknown, defaultValue: unknown): boolean {
  return value !== undefined && !(typeof value === 'boolean' && value === defaultValue);
}
