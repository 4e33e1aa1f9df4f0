/**
 * The options of a bench/ script, one table per script: parsed by Node's `util.parseArgs` (strict, so an unknown
 * option, a missing value or a stray word is refused, not ignored), numbers and a string's or a comma list's `choices`
 * checked, and `--help` written from the same table. A bad option ends the script before any work with one line on
 * stderr saying what to fix, exit 1, as the askfirst CLI refuses its own (`bench/env.ts: --sessions: must be a whole number of at least 1 (got "x"); see --help`).
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { didYouMean } from '../src/util/did-you-mean.js';

/**
 * One option: a number (at least `min`, at most `max`, whole unless `integer: false`), a string (one of `choices` when
 * given, else the script checks it), a list (comma-separated words, each one of `choices`, or `none` for no word) or a
 * switch.
 */
export type BenchOption =
  | { type: 'number'; default: number; help: string; min?: number; max?: number; integer?: boolean }
  | { type: 'string'; default: string; help: string; choices?: readonly string[] }
  | { type: 'list'; default: readonly string[]; help: string; choices: readonly string[] }
  | { type: 'boolean'; help: string };

/** What an option is read as: a number, a string (one of its choices' literal types), the list's words, or a switch's boolean. */
type Value<O> = O extends { type: 'number' }
  ? number
  : O extends { type: 'list'; choices: readonly (infer C)[] }
    ? C[]
    : O extends { type: 'string'; choices: readonly (infer C)[] }
      ? C
      : O extends { type: 'string' }
        ? string
        : boolean;
type Parsed<S extends Record<string, BenchOption>> = { [K in keyof S]: Value<S[K]> };

/** `a, b or c`. */
const either = (words: readonly string[]) => (words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`);

/**
 * The options of the script at `url` (its `import.meta.url`): `about` heads its --help (what it measures, what it
 * prints), `spec` names each option. `--help` prints the usage on stdout and exits 0. A default outside its option's
 * choices is the script's mistake: thrown, not refused.
 */
export function benchArgs<const S extends Record<string, BenchOption>>(url: string, about: string, spec: S, argv: readonly string[] = process.argv.slice(2)): Parsed<S> {
  const script = `bench/${basename(fileURLToPath(url))}`;
  const refuse = (why: string): never => {
    process.stderr.write(`${script}: ${why}; see npx tsx ${script} --help\n`);
    process.exit(1);
  };
  for (const [k, o] of Object.entries(spec))
    if ((o.type === 'string' && o.choices && !o.choices.includes(o.default)) || (o.type === 'list' && !o.default.every((d) => o.choices.includes(d))))
      throw new Error(`${script}: the default of --${k} (${String(o.default)}) is not among its choices (${o.choices!.join(', ')})`);
  const options = Object.fromEntries([...Object.entries(spec).map(([k, o]) => [k, { type: o.type === 'boolean' ? 'boolean' : 'string' }] as const), ['help', { type: 'boolean', short: 'h' }] as const]);
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    const err = e as Error & { code?: string };
    const unknown = /^Unknown option '([^']+)'/.exec(err.message)?.[1];
    if (unknown) refuse(`unknown option '${unknown}'${didYouMean(unknown.replace(/^-+/, ''), Object.keys(spec), (n) => `--${n}`)}`);
    const missing = /^Option '(?:-\w, )?(--[\w-]+)/.exec(err.message)?.[1];
    if (missing && err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') refuse(/argument missing/.test(err.message) ? `${missing} needs a value` : `${missing} takes no value`);
    const stray = /^Unexpected argument '([^']+)'/.exec(err.message)?.[1];
    refuse(stray ? `unexpected argument '${stray}' (every value follows its --option)` : err.message.split('. ')[0]);
  }
  if (values!.help) {
    const label = (o: BenchOption) =>
      o.type === 'boolean' ? '' : o.type === 'number' ? ' N' : o.type === 'list' ? ' A,B' : o.choices ? ` ${o.choices.join('|')}` : ' S';
    const tail = (o: BenchOption) =>
      o.type === 'boolean'
        ? ''
        : o.type === 'list'
          ? ` (comma-separated: ${o.choices.join(', ')}, or none; default ${o.default.length ? o.default.join(',') : 'none'})`
          : ` (default ${o.default})`;
    const rows = Object.entries(spec).map(([k, o]) => [`--${k}${label(o)}`, `${o.help}${tail(o)}`]);
    rows.push(['-h, --help', 'this help']);
    const w = Math.max(...rows.map(([l]) => l.length));
    process.stdout.write(`usage: npx tsx ${script} [options]\n\n${about.trim()}\n\noptions:\n${rows.map(([l, r]) => `  ${l.padEnd(w)}  ${r}`).join('\n')}\n`);
    process.exit(0);
  }
  const out: Record<string, number | string | string[] | boolean> = {};
  for (const [k, o] of Object.entries(spec)) {
    const v = values![k];
    if (o.type === 'boolean') out[k] = v === true;
    else if (v === undefined) out[k] = o.type === 'list' ? [...o.default] : o.default;
    else if (o.type === 'string') {
      if (o.choices && !o.choices.includes(v as string)) refuse(`--${k}: must be ${either(o.choices)} (got ${JSON.stringify(v)})${didYouMean(v as string, o.choices)}`);
      out[k] = v as string;
    } else if (o.type === 'list') {
      const words = (v as string).split(',').map((w) => w.trim());
      const bad = words.find((w) => !o.choices.includes(w));
      if (words.length === 1 && words[0] === 'none') out[k] = [];
      else if (bad !== undefined)
        refuse(`--${k}: must be ${either(o.choices)}, comma-separated, or none (got ${JSON.stringify(bad)}${words.length > 1 ? ` in ${JSON.stringify(v)}` : ''})${didYouMean(bad, o.choices)}`);
      else out[k] = [...new Set(words)];
    }
    else {
      const n = Number(v);
      const min = o.min ?? 0;
      const whole = o.integer ?? true;
      const max = o.max ?? Infinity;
      if ((v as string).trim() === '' || !Number.isFinite(n) || (whole && !Number.isInteger(n)) || n < min || n > max)
        refuse(`--${k}: must be ${whole ? 'a whole number' : 'a number'} ${max < Infinity ? `from ${min} to ${max}` : `of at least ${min}`} (got ${JSON.stringify(v)})`);
      out[k] = n;
    }
  }
  return out as Parsed<S>;
}
