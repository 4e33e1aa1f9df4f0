/**
 * Typed configs (docs/architecture.md §6.3): every config is a zod object schema whose fields carry a
 * one-line description and a default. `resolveConfig` validates a partial config up front and
 * names every bad field; `schemaOptions` turns the same schema into CLI options, so `--help`
 * is generated from the schema and cannot drift from it.
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { didYouMean } from './did-you-mean.js';
import { MAX_SEED } from './rng.js';

export type AnyObjectSchema = z.ZodObject<z.ZodRawShape>;

/** Parse `partial` against `schema`, throwing an InvalidConfigError that lists every problem. */
export function resolveConfig<S extends AnyObjectSchema>(schema: S, partial: unknown, what: string): z.output<S> {
  const r = schema.safeParse(partial ?? {}, { error: plainMessage });
  if (r.success) return r.data;
  throw new InvalidConfigError(
    what,
    // one problem per field and kind: `--seed 1e20` failed the seed's own bound and then .int()'s safe-integer one, two lines
    // for one value ("at most 4294967295 …", "at most 9007199254740991"); the first, the field's own, is the one that helps.
    // A refinement's own problems (code 'custom') are each their own: two malformed --reward-weights items are two lines
    r.error.issues.filter((i, n, all) => all.findIndex((j) => j.code === i.code && samePath(j.path, i.path) && (i.code !== 'custom' || j.message === i.message)) === n).map((i) => {
      // a field with no default that was not given: say so, not "expected string, received undefined"
      const value = valueAt(partial, i.path);
      if (i.path.length > 0 && value === undefined) return { path: i.path, message: 'required, but not given' }; // any check fails on a value not given (an enum's too)
      // a value not among an enum's: commander's "(Did you mean …?)" when one is close (`--kinds occluson`)
      const suggestion = i.code === 'invalid_value' && typeof value === 'string' ? didYouMean(value, i.values.map(String)) : '';
      const message = value === undefined || i.code === 'custom' ? i.message : `${i.message} (got ${shown(value)})${suggestion}`;
      // one string where a list goes: the CLI splits a flag's value at commas, a caller in code passes a list
      if (i.code === 'invalid_type' && i.expected === 'array' && typeof value === 'string') return { path: i.path, message, inCode: `must be a list, not one string: pass [${value.split(',').map((v) => JSON.stringify(v.trim())).join(', ')}] (got ${shown(value)})` };
      return { path: i.path, message };
    }),
  );
}

function samePath(a: readonly PropertyKey[], b: readonly PropertyKey[]): boolean {
  return a.length === b.length && a.every((k, n) => k === b[n]);
}

/** A name for a config field: the CLI names its flags (`--batch-size`), anything else the setting (`batch-size`). */
export type FieldNamer = (path: readonly PropertyKey[]) => string;

/** The setting's own name: its path with camelCase keys in kebab case (`batch-size`, `kinds.0`). */
export const settingName: FieldNamer = (path) => (path.length ? path.map((k) => kebab(String(k))).join('.') : '(config)');

/** One bad field: its path in the config and what is wrong (a function when the text names other fields). */
export interface ConfigIssue {
  path: readonly PropertyKey[];
  message: string | ((name: (key: string) => string) => string);
  /** The message for a caller in code (a library call's options), where `message` speaks of the command line. */
  inCode?: string;
}

/**
 * A config with bad fields, kept as data so that whoever knows what the user typed can name them:
 * the message names settings (`batch-size: …`); the CLI re-words it with its flags (`describe`).
 */
export class InvalidConfigError extends ConfigError {
  readonly what: string;
  readonly issues: readonly ConfigIssue[];
  constructor(what: string, issues: readonly ConfigIssue[]) {
    super(formatIssues(`invalid ${what} config`, issues, settingName));
    this.what = what;
    this.issues = issues;
  }

  /**
   * The message with every field named by `name`: one problem on one line, several under `title`; `inCode`: worded for a
   * caller in code (api/generate-suite.ts: "pass [\"camera\"]", not the command line's "comma-separated").
   */
  describe(name: FieldNamer, title: string, opts: { inCode?: boolean } = {}): string {
    return formatIssues(title, opts.inCode ? this.issues.map((i) => (i.inCode === undefined ? i : { ...i, message: i.inCode })) : this.issues, name, true);
  }
}

function formatIssues(title: string, issues: readonly ConfigIssue[], name: FieldNamer, oneLine = false): string {
  const lines = issues.map((i) => `${name(i.path)}: ${typeof i.message === 'string' ? i.message : i.message((k) => name([k]))}`);
  return oneLine && lines.length === 1 ? lines[0] : `${title}:\n${lines.map((l) => `  - ${l}`).join('\n')}`;
}

/** How many characters of an object's JSON a message shows (the rest is cut to "…"). */
export const SHOWN_OBJECT_CHARS = 60;

/** A value as the user would recognise it in a message: an object as short JSON (`{"name":1}`), not "[object Object]". */
function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return v.length || !typedList.has(v) ? v.map(shown).join(',') : JSON.stringify(typedList.get(v)); // `--seeds ,`: (got ",")
  if (v !== null && typeof v === 'object') {
    let json: string;
    try {
      json = JSON.stringify(v) ?? String(v);
    } catch {
      return String(v); // a cycle, a BigInt: not from a file
    }
    return json.length > SHOWN_OBJECT_CHARS ? `${json.slice(0, SHOWN_OBJECT_CHARS - 1)}…` : json;
  }
  return String(v);
}

/** Plain words for zod's usual complaints ("must be at least 1", not "Too small: expected number to be >=1"); a schema's own message wins. */
function plainMessage(iss: z.core.$ZodRawIssue): string | undefined {
  const num = (n: unknown) => String(n);
  switch (iss.code) {
    case 'too_small':
      if (iss.origin === 'number' || iss.origin === 'int') return iss.inclusive ? `must be at least ${num(iss.minimum)}` : `must be more than ${num(iss.minimum)}`;
      if (iss.origin === 'string') return Number(iss.minimum) <= 1 ? 'must not be empty' : `must have at least ${num(iss.minimum)} characters`;
      if (iss.origin === 'array' || iss.origin === 'set') return `needs at least ${num(iss.minimum)} value${Number(iss.minimum) === 1 ? '' : 's'}`;
      return undefined;
    case 'too_big':
      if (iss.origin === 'number' || iss.origin === 'int') return iss.inclusive ? `must be at most ${num(iss.maximum)}` : `must be less than ${num(iss.maximum)}`;
      if (iss.origin === 'string') return `must have at most ${num(iss.maximum)} characters`;
      if (iss.origin === 'array' || iss.origin === 'set') return `takes at most ${num(iss.maximum)} value${Number(iss.maximum) === 1 ? '' : 's'}`;
      return undefined;
    case 'invalid_type':
      if (iss.expected === 'int') return 'must be a whole number';
      if (iss.expected === 'number') return 'must be a number';
      if (iss.expected === 'string') return 'must be text';
      if (iss.expected === 'boolean') return 'must be true or false';
      if (iss.expected === 'array') return typeof iss.input === 'string' ? 'give at least one value, comma-separated' : 'must be a list';
      return undefined;
    case 'invalid_value':
      return iss.values.length === 1 ? `must be ${shown(iss.values[0])}` : `must be one of ${iss.values.map(String).join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${num(iss.divisor)}`;
    default:
      return undefined;
  }
}

/** The value at `path` inside `v`, or undefined when any step is missing. */
function valueAt(v: unknown, path: readonly PropertyKey[]): unknown {
  let cur = v;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** Why a seed above MAX_SEED is refused: the generators keep 32 bits, so it would be a smaller seed again (util/rng.ts). */
export const SEED_TOO_LARGE = `must be at most ${MAX_SEED} (the generators keep 32 bits of a seed: ${MAX_SEED + 1} would be seed 0 again)`;

/**
 * Every command's `seed` setting: a whole number from 0 to MAX_SEED. Above it a seed was taken silently as another
 * (`--seed 4294967296` ran seed 0), so it is refused; add `.default(n).describe(…)` where it is used.
 */
export function seedField(): z.ZodNumber {
  return z.number().max(MAX_SEED, { error: SEED_TOO_LARGE }).int().min(0);
}

/** A seed as a list option's item holds it: written in plain decimal digits (a leading "-" is read, for "0 or more" to refuse it). */
const SEED_DIGITS = /^-?\d+$/;

/**
 * One seed of a `--seeds 0,1,2` list (`demo`, `feedback demo-aggregate`): a number, or a string of plain decimal digits.
 * "0x10", "1e3", "1.0" or "" (a config's `["0", "", "1"]`; on the command line `0,,1` is refused before: coerceOptions)
 * are refused, not read as 16, 1000, 1 or dropped.
 */
export function seedListItem(): z.ZodType<number, unknown> {
  const digits = (v: unknown) => (typeof v === 'string' && SEED_DIGITS.test(v) ? Number(v) : v);
  const notDigits = (input: unknown) =>
    input === ''
      ? 'an empty seed (two commas in a row, or one at either end): write whole numbers separated by single commas, e.g. --seeds 0,1,2'
      : 'each seed must be a whole number in plain decimal digits, e.g. --seeds 0,1,2';
  return z.preprocess(
    digits,
    z
      .number({ error: (iss) => notDigits(iss.input) })
      .max(MAX_SEED, { error: `each seed ${SEED_TOO_LARGE}` })
      .int({ error: 'each seed must be a whole number' })
      .min(0, { error: 'each seed must be 0 or more' }),
  ) as unknown as z.ZodType<number, unknown>;
}

/**
 * A path option naming a folder to write into (a run directory, an eval's --out): an existing
 * file there is refused when the config is resolved, before any work, instead of at the first
 * write minutes later; so is a path starting with `~` that the shell left unexpanded (quoted).
 */
export function outDirField(): z.ZodString {
  return outPathField().refine((p) => !isFile(p), { error: (iss) => `${String(iss.input)} is a file; give a folder (a new one is created)` });
}

/**
 * A path option naming one file to write whole (`compare --out`): a folder there, a path ending in "/" or one under a
 * file is refused when the config is resolved, before any work — it was refused only by the write, after every run was
 * read. A missing folder on the way is not refused: the write creates it.
 */
export function outFileField(): z.ZodString {
  return outPathField().superRefine((p, ctx) => {
    const why = notAFileToWrite(p);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  });
}

/** Why `p` cannot be written as a file, in words that say what to give instead, or null (nothing found against it). */
function notAFileToWrite(p: string): string | null {
  if (/[\\/]$/.test(p)) return `${p} names a folder (it ends with "/"); give a file name`;
  for (let d = p; ; d = dirname(d)) {
    let s;
    try {
      s = statSync(d, { throwIfNoEntry: false });
    } catch (e) {
      // under a file (ENOTDIR): found further up; else unreachable (a link loop, no permission): the write says why
      if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') return null;
    }
    if (s) {
      if (d === p) return s.isDirectory() ? `${p} is a folder; give a file name (one inside it, say)` : null;
      return s.isDirectory() ? null : `${d} is a file, not a folder, so ${p} cannot be written under it; give another path`;
    }
    if (dirname(d) === d) return null;
  }
}

/**
 * `--no-progress` on a command that shows no progress bar (the feedback commands that only read or change the
 * database, `feedback serve`): accepted as every command accepts it, so a script can pass it to every command (it was
 * refused as an unknown option), and said in --help to change nothing there.
 */
export function unusedProgressField(command: string): z.ZodDefault<z.ZodBoolean> {
  return progressField(`progress bars (${command} has none to show: accepted, as every askfirst command accepts it, and changes nothing)`);
}

/**
 * A setting on by default, which commander shows as its --no-X flag: `on` describes the setting (what it does when on),
 * `off` says plainly what the --no-X flag does, and is that flag's --help line (src/cli/options.ts `offFlagDescription`):
 * "--no-parquet  do not write train.parquet", not "turn off (on by default): also write train.parquet".
 */
export function onByDefault(on: string, off: string): z.ZodDefault<z.ZodBoolean> {
  return z.boolean().default(true).meta({ description: on, offFlag: off });
}

/**
 * Every command's `progress` setting (on by default; `--no-progress` turns it off): described "show <what>", which
 * --help shows as "--no-progress  do not show <what>" (src/cli/options.ts `offFlagDescription`).
 */
export function progressField(what: string): z.ZodDefault<z.ZodBoolean> {
  return z.boolean().default(true).describe(`show ${what}`);
}

/**
 * A path option naming a file or folder to write (`suite show --out`, `feedback export --out`,
 * `--cache`): one starting with `~` is refused. Quoted, or after "=", the shell leaves `~` as it
 * is, and the run would write into a folder named `~` in the working directory.
 */
export function outPathField(): z.ZodString {
  return z
    .string()
    .min(1)
    .refine((p) => !/^~(?:[\\/]|$)/.test(p), {
      error: (iss) => `${String(iss.input)} starts with ~, which askfirst does not expand (the shell does, only where it is not quoted and not after "="); write the path as $HOME/…, or ./~ for a folder named ~`,
    });
}

/** True when `p` names an existing file (not when it is missing, a folder, or unreachable: the first write says why). */
function isFile(p: string): boolean {
  try {
    return statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}

export function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** One CLI option derived from a schema field. */
export interface SchemaOption {
  key: string;
  flags: string;
  description: string;
  kind: 'number' | 'string' | 'boolean' | 'enum' | 'list';
  choices?: string[];
  defaultValue?: unknown;
  /** No default and not optional: the config is invalid without it. */
  required: boolean;
  /** A list whose schema takes an empty one (`[]` reads as "not given" there, so a flag typed with no item is refused). */
  emptyListOk?: boolean;
  /** A setting on by default (`onByDefault`): what its --no-X flag does, the flag's --help line. */
  offDescription?: string;
  /** A number's bounds as its schema checks them, for --help: "at least 1", "0 to 1", "above 0" (numberRange). */
  range?: string;
}

/**
 * A number schema's bounds in words for --help ("at least 1", "0 to 1", "above 0 and at most 1"), from its own min / max
 * checks; a whole number says so. Undefined when it has none (a bound only a refinement checks is not seen here).
 */
export function numberRange(t: z.ZodType): string | undefined {
  type Check = { _zod: { def: { check?: string; value?: unknown; inclusive?: boolean; format?: string } } };
  const checks = ((t as unknown as { def: { checks?: Check[] } }).def.checks ?? []).map((c) => c._zod.def);
  const bound = (check: string) => checks.filter((c) => c.check === check && typeof c.value === 'number').map((c) => ({ value: c.value as number, inclusive: c.inclusive !== false }));
  const tightest = (list: { value: number; inclusive: boolean }[], lower: boolean) =>
    list.sort((a, b) => (lower ? b.value - a.value : a.value - b.value) || Number(a.inclusive) - Number(b.inclusive))[0];
  const lo = tightest(bound('greater_than'), true);
  const hi = tightest(bound('less_than'), false);
  const whole = checks.some((c) => c.check === 'number_format' && /int/.test(String(c.format))) ? 'whole, ' : '';
  if (lo && hi && lo.inclusive && hi.inclusive) return `${whole}${lo.value} to ${hi.value}`;
  const words = [lo ? `${lo.inclusive ? 'at least' : 'above'} ${lo.value}` : '', hi ? `${hi.inclusive ? 'at most' : 'below'} ${hi.value}` : ''].filter(Boolean);
  return words.length ? `${whole}${words.join(' and ')}` : undefined;
}

type Def = { type: string; innerType?: z.ZodType; defaultValue?: unknown; entries?: Record<string, string> };
const defOf = (t: z.ZodType) => (t as unknown as { def: Def }).def;

/** Describe each field of an object schema as a CLI option (`fooBar` → `--foo-bar <value>`). */
export function schemaOptions(schema: AnyObjectSchema): SchemaOption[] {
  const out: SchemaOption[] = [];
  for (const [key, field] of Object.entries(schema.shape)) {
    let t = field as z.ZodType;
    const description = (t as { description?: string }).description ?? '';
    const offDescription = (t.meta() as { offFlag?: unknown } | undefined)?.offFlag;
    let defaultValue: unknown;
    let required = true;
    for (;;) {
      const d = defOf(t);
      if (d.type === 'default') defaultValue = d.defaultValue;
      if (d.type === 'default' || d.type === 'optional' || d.type === 'prefault') required = false;
      if ((d.type === 'default' || d.type === 'optional' || d.type === 'nullable' || d.type === 'prefault') && d.innerType) {
        t = d.innerType;
        continue;
      }
      break;
    }
    const d = defOf(t);
    const flag = kebab(key);
    if (d.type === 'boolean') {
      out.push({ key, flags: defaultValue === true ? `--no-${flag}` : `--${flag}`, description, kind: 'boolean', defaultValue, required, ...(typeof offDescription === 'string' ? { offDescription } : {}) });
    } else if (d.type === 'number' || d.type === 'int') {
      const range = numberRange(t);
      out.push({ key, flags: `--${flag} <n>`, description, kind: 'number', defaultValue, required, ...(range ? { range } : {}) });
    } else if (d.type === 'enum') {
      out.push({ key, flags: `--${flag} <name>`, description, kind: 'enum', choices: Object.values(d.entries ?? {}), defaultValue, required });
    } else if (d.type === 'array') {
      out.push({ key, flags: `--${flag} <a,b,…>`, description, kind: 'list', defaultValue, required, emptyListOk: t.safeParse([]).success });
    } else {
      out.push({ key, flags: `--${flag} <value>`, description, kind: 'string', defaultValue, required });
    }
  }
  return out;
}

/** A number as written in decimal, with an optional sign, fraction and exponent. */
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

/**
 * A list option's value as its items: split at each comma not written `\,` (an item's own comma: `--labels 'Qwen\, 3B,Guesser'`
 * is "Qwen, 3B" and "Guesser"), each trimmed, the empty ones dropped. Any other backslash stays as typed.
 */
export function splitList(v: string): string[] {
  return splitListAsTyped(v).filter(Boolean);
}

/** `splitList` keeping the empty items (`0,,1` is "0", "" and "1"). */
function splitListAsTyped(v: string): string[] {
  return v.split(/(?<!\\),/).map((s) => s.replace(/\\,/g, ',').trim());
}

/** The text a list option's items were split from (coerceOptions), for a message to show as typed: `--seeds ,` (got ","), not (got ). */
const typedList = new WeakMap<readonly unknown[], string>();

/**
 * Why a list option's value is refused before its schema sees it, or null: an empty item among others (`--kinds occlusion,,camera`,
 * `--seeds 0,1,`) was dropped silently for every list but --seeds, running as if typed right. Only empty items (`--kinds ,`,
 * `--seeds ""`) name nothing: the list's own "give at least one" says so.
 */
function emptyItems(items: readonly string[], typed: string): string | null {
  const at = items.flatMap((s, i) => (s ? [] : [i + 1]));
  if (!at.length || at.length === items.length) return null;
  const which = at.length === 1 ? `item ${at[0]} is` : `items ${at.slice(0, -1).join(', ')} and ${at[at.length - 1]} are`;
  return `${which} empty in ${JSON.stringify(typed)} (two commas in a row, or one at either end): separate the items with single commas, e.g. ${items.filter(Boolean).map((s) => s.replace(/,/g, '\\,')).join(',')}`;
}

/** Convert commander's raw option values (strings) into the shapes the schema expects. */
export function coerceOptions(opts: readonly SchemaOption[], raw: Record<string, unknown>, what = 'command'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of opts) {
    const v = raw[o.key];
    if (v === undefined) continue;
    if (o.kind === 'number' && typeof v === 'string') {
      // Decimal only, as a person types a number ("3", "-0.5", "3e-4"): Number() also reads "0x10" as 16, "0b11" as 3
      // and "" as 0. Anything else stays a string, for the schema to reject by name.
      const n = DECIMAL.test(v) ? Number(v) : NaN;
      out[o.key] = Number.isFinite(n) ? n : v;
    } else if (o.kind === 'list' && typeof v === 'string') {
      const asTyped = splitListAsTyped(v);
      const why = emptyItems(asTyped, v);
      if (why) throw new InvalidConfigError(what, [{ path: [o.key], message: why }]);
      // only empty items (`--seeds ,`, `--seeds ""`) name nothing: [] (refused by the list as "give at least one")
      const items = splitList(v);
      typedList.set(items, v);
      // `--kinds ""` names nothing: where [] would read as "not given" the string stays, for the schema to refuse by name
      // ("give at least one value"); a list that needs items says so in its own words
      out[o.key] = items.length || !o.emptyListOk ? items : v;
    } else {
      out[o.key] = v;
    }
  }
  return out;
}
