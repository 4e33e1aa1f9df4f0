/**
 * Typed configs (docs/architecture.md §6.3): every config is a zod object schema whose fields carry a
 * one-line description and a default. `resolveConfig` validates a partial config up front and
 * names every bad field; `schemaOptions` turns the same schema into CLI options, so `--help`
 * is generated from the schema and cannot drift from it.
 */
import { z } from 'zod';
import { ConfigError } from './errors.js';

export type AnyObjectSchema = z.ZodObject<z.ZodRawShape>;

/** Parse `partial` against `schema`, throwing a ConfigError that lists every problem. */
export function resolveConfig<S extends AnyObjectSchema>(schema: S, partial: unknown, what: string): z.output<S> {
  const r = schema.safeParse(partial ?? {});
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const path = i.path.length ? i.path.join('.') : '(config)';
    // a field with no default that was not given: say so, not "expected string, received undefined"
    const missing = i.path.length > 0 && valueAt(partial, i.path) === undefined; // any check fails on a value not given (an enum's too)
    return `  - ${kebab(String(path))}: ${missing ? 'required, but not given' : i.message}`;
  });
  throw new ConfigError(`invalid ${what} config:\n${lines.join('\n')}`);
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
}

type Def = { type: string; innerType?: z.ZodType; defaultValue?: unknown; entries?: Record<string, string> };
const defOf = (t: z.ZodType) => (t as unknown as { def: Def }).def;

/** Describe each field of an object schema as a CLI option (`fooBar` → `--foo-bar <value>`). */
export function schemaOptions(schema: AnyObjectSchema): SchemaOption[] {
  const out: SchemaOption[] = [];
  for (const [key, field] of Object.entries(schema.shape)) {
    let t = field as z.ZodType;
    const description = (t as { description?: string }).description ?? '';
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
      out.push({ key, flags: defaultValue === true ? `--no-${flag}` : `--${flag}`, description, kind: 'boolean', defaultValue, required });
    } else if (d.type === 'number' || d.type === 'int') {
      out.push({ key, flags: `--${flag} <n>`, description, kind: 'number', defaultValue, required });
    } else if (d.type === 'enum') {
      out.push({ key, flags: `--${flag} <name>`, description, kind: 'enum', choices: Object.values(d.entries ?? {}), defaultValue, required });
    } else if (d.type === 'array') {
      out.push({ key, flags: `--${flag} <a,b,…>`, description, kind: 'list', defaultValue, required });
    } else {
      out.push({ key, flags: `--${flag} <value>`, description, kind: 'string', defaultValue, required });
    }
  }
  return out;
}

/** Convert commander's raw option values (strings) into the shapes the schema expects. */
export function coerceOptions(opts: readonly SchemaOption[], raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of opts) {
    const v = raw[o.key];
    if (v === undefined) continue;
    if (o.kind === 'number' && typeof v === 'string') {
      const n = Number(v);
      out[o.key] = Number.isFinite(n) && v.trim() !== '' ? n : v; // let the schema reject it by name
    } else if (o.kind === 'list' && typeof v === 'string') {
      out[o.key] = v.split(',').map((s) => s.trim()).filter(Boolean);
    } else {
      out[o.key] = v;
    }
  }
  return out;
}
