/**
 * The JSON examples a Markdown page shows — a config file's settings, a flag's JSON value, a message of a wire
 * protocol — for tests/docs-json.test.ts, which hands each to the code that reads it: an example that gains a key
 * the code refuses fails there instead of failing the reader who copies it.
 */
import { proseOf } from './doc-commands.js';

export interface DocJson {
  /** 1-based line of the page where it starts. */
  line: number;
  /** The JSON text, as the page writes it. */
  text: string;
  /** JSON.parse of it. */
  value: unknown;
  /** The flag it is the value of (`--extra-body '{…}'`), if any. */
  flag?: string;
  /** The paragraph it stands in, one line: what it is an example of is said there. */
  context: string;
}

const parse = (text: string): { value: unknown } | undefined => {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined; // a shape with placeholders (`{"detail": …}`), not an example
  }
};

/**
 * Every JSON example of a page: each inline code span that is a JSON object or array as a whole, each
 * `--flag '<JSON>'` inside one, and each fenced ```json block. Spans that do not parse are shapes with
 * placeholders (`{"observation","reward","done"}`), not examples, and are left out.
 */
export function docJsonExamples(md: string): DocJson[] {
  const out: DocJson[] = [];
  const lineAt = (index: number) => md.slice(0, index).split('\n').length;
  const prose = proseOf(md);
  const paragraphs: { start: number; text: string }[] = [];
  for (const m of prose.matchAll(/(?:^|\n\n)([\s\S]*?)(?=\n\n|$)/g)) paragraphs.push({ start: m.index, text: m[1] });
  const contextAt = (index: number) =>
    (paragraphs.findLast((p) => p.start <= index)?.text ?? '').replace(/\s+/g, ' ').trim();
  for (const m of prose.matchAll(/`([^`]+)`/g)) {
    const span = m[1].replace(/\s+/g, ' ').trim();
    const at = { line: lineAt(m.index), context: contextAt(m.index) };
    const whole = /^[[{]/.test(span) ? parse(span) : undefined;
    if (whole && typeof whole.value === 'object' && whole.value !== null) {
      out.push({ ...at, text: span, value: whole.value });
      continue;
    }
    for (const f of span.matchAll(/(--[a-z][a-z0-9-]*)[ =]'([[{][^']*)'/g)) {
      const v = parse(f[2]);
      if (v) out.push({ ...at, text: f[2], value: v.value, flag: f[1] });
    }
  }
  for (const m of md.matchAll(/^```jsonc?\n([\s\S]*?)^```/gm)) {
    const v = parse(m[1]);
    out.push({ line: lineAt(m.index) + 1, text: m[1].trim(), value: v ? v.value : undefined, context: contextAt(m.index) });
  }
  return out;
}
