/**
 * The options that give a command some settings, as a message or a record writes them after the command's name
 * (`askfirst demo --quick --seed 1 --out runs/demo`): the one builder of the re-run commands the demos record (results.json,
 * feedback.json `command`) and say to run (a seed missing, a re-run under other settings refused).
 */
import { z } from 'zod';
import { kebab } from './config.js';
import { shellQuote } from './shell-quote.js';

/** Which settings a command's flags name, and how (flagsOf). */
export interface FlagOrder<K extends string = string> {
  /** The settings, in the order the command writes them (the demo puts --no-baselines last); any other is left out. */
  order: readonly K[];
  /** Settings written whenever they are given, at their default too (`--seed 0`); the others are left out at theirs. */
  always?: readonly K[];
}

/** A setting as the user types it: a list joined by commas, an item's own comma written `\,` (config.ts `splitList`). */
const typed = (v: unknown): string => (Array.isArray(v) ? v.map((x) => String(x).replace(/,/g, '\\,')).join(',') : String(v));

/**
 * The flags of `schema`'s command that give it `config`'s settings, each with a leading space: ` --kebab-name value` (the
 * value shell-quoted, a list joined by commas), a boolean ` --name` or ` --no-name`; in `flags.order`, each left out when
 * undefined or null, or equal to its default in `schema` unless `flags.always` names it.
 */
export function flagsOf<S extends z.ZodObject>(schema: S, config: Readonly<Record<string, unknown>>, flags: FlagOrder<keyof S['shape'] & string>): string {
  const always = new Set<string>(flags.always ?? []);
  const defaultOf = (k: string): unknown => z.safeParse(schema.shape[k], undefined).data;
  return flags.order
    .map((k) => {
      const v = config[k];
      if (v === undefined || v === null || (!always.has(k) && JSON.stringify(v) === JSON.stringify(defaultOf(k)))) return '';
      if (typeof v === 'boolean') return ` --${v ? '' : 'no-'}${kebab(k)}`;
      return ` --${kebab(k)} ${shellQuote(typed(v))}`;
    })
    .join('');
}
