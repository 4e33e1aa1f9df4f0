/** Glue between config schemas and commander: options and --help come from the schema. */
import { Command, Option } from 'commander';
import { coerceOptions, resolveConfig, schemaOptions, type AnyObjectSchema } from '../util/config.js';
import type { z } from 'zod';

/** Add one commander option per schema field (description, default and choices included). */
export function addSchemaOptions(cmd: Command, schema: AnyObjectSchema): Command {
  for (const o of schemaOptions(schema)) {
    // The schema applies defaults itself; --help shows them in the description.
    // A field that defaults to true becomes a --no-X flag: say what the flag does, then what it turns off.
    let desc = o.description;
    if (o.kind === 'boolean') desc = o.defaultValue === true ? `turn off (on by default): ${desc}` : desc;
    else if (o.required) desc += ' (required)';
    else if (o.defaultValue !== undefined && !(Array.isArray(o.defaultValue) && o.defaultValue.length === 0)) desc += ` (default: ${Array.isArray(o.defaultValue) ? o.defaultValue.join(',') : String(o.defaultValue)})`;
    const opt = new Option(o.flags, desc);
    if (o.choices) opt.choices(o.choices);
    cmd.addOption(opt);
  }
  return cmd;
}

/** Turn commander's parsed options into a validated config. */
export function configFromOptions<S extends AnyObjectSchema>(schema: S, raw: Record<string, unknown>, what: string): z.output<S> {
  return resolveConfig(schema, coerceOptions(schemaOptions(schema), raw), what);
}

/** Find or create a command group such as `suite` or `feedback`, so several files can add subcommands to it. */
export function commandGroup(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}
