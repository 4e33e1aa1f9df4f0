/** Glue between config schemas and commander: options and --help come from the schema. */
import { Command, Option } from 'commander';
import { coerceOptions, resolveConfig, schemaOptions, type AnyObjectSchema } from '../util/config.js';
import type { z } from 'zod';

/** Add one commander option per schema field (description, default and choices included). */
export function addSchemaOptions(cmd: Command, schema: AnyObjectSchema): Command {
  for (const o of schemaOptions(schema)) {
    const opt = new Option(o.flags, o.description);
    if (o.choices) opt.choices(o.choices);
    if (o.defaultValue !== undefined && o.kind !== 'boolean') {
      opt.default(o.defaultValue, Array.isArray(o.defaultValue) ? o.defaultValue.join(',') : String(o.defaultValue));
      // The schema applies the default itself; commander's is for --help only.
      opt.defaultValue = undefined;
      opt.defaultValueDescription = Array.isArray(o.defaultValue) ? o.defaultValue.join(',') : String(o.defaultValue);
    }
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
