/**
 * The options of a bench/ script, one table per script: parsed by Node's `util.parseArgs` (strict, so an unknown
 * option, a missing value or a stray word is refused, not ignored), numbers checked, and `--help` written from the same
 * table. A bad option ends the script before any work with one line on stderr saying what to fix, exit 1, as the
 * askfirst CLI refuses its own (`bench/env.ts: --sessions: must be a whole number of at least 1 (got "x"); see --help`).
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { didYouMean } from '../src/util/did-you-mean.js';

/** One option: a number (at least `min`, at most `max`, whole unless `integer: false`), a string (the script checks it) or a switch. */
export type BenchOption =
  | { type: 'number'; default: number; help: string; min?: number; max?: number; integer?: boolean }
  | { type: 'string'; default: string; help: string }
  | { type: 'boolean'; help: string };

type Parsed<S extends Record<string, BenchOption>> = { [K in keyof S]: S[K] extends { type: 'number' } ? number : S[K] extends { type: 'string' } ? string : boolean };

/**
 * The options of the script at `url` (its `import.meta.url`): `about` heads its --help (what it measures, what it
 * prints), `spec` names each option. `--help` prints the usage on stdout and exits 0.
 */
export function benchArgs<S extends Record<string, BenchOption>>(url: string, about: string, spec: S, argv: readonly string[] = process.argv.slice(2)): Parsed<S> {
  const script = `bench/${basename(fileURLToPath(url))}`;
  const refuse = (why: string): never => {
    process.stderr.write(`${script}: ${why}; see npx tsx ${script} --help\n`);
    process.exit(1);
  };
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
    const rows = Object.entries(spec).map(([k, o]) => [`--${k}${o.type === 'boolean' ? '' : o.type === 'number' ? ' N' : ' S'}`, `${o.help}${o.type === 'boolean' ? '' : ` (default ${o.default})`}`]);
    rows.push(['-h, --help', 'this help']);
    const w = Math.max(...rows.map(([l]) => l.length));
    process.stdout.write(`usage: npx tsx ${script} [options]\n\n${about.trim()}\n\noptions:\n${rows.map(([l, r]) => `  ${l.padEnd(w)}  ${r}`).join('\n')}\n`);
    process.exit(0);
  }
  const out: Record<string, number | string | boolean> = {};
  for (const [k, o] of Object.entries(spec)) {
    const v = values![k];
    if (o.type === 'boolean') out[k] = v === true;
    else if (v === undefined) out[k] = o.default;
    else if (o.type === 'string') out[k] = v as string;
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
