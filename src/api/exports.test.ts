/**
 * Every name the package exports (src/api/index.ts, values and types) is documented in docs/library.md, written in
 * backticks, so a researcher finds it there; before, 21 exported types (EvaluateOptions, EpisodeRecord, Summary,
 * Observation, …) were named nowhere in it. And every constant its table names can be imported.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as askfirst from './index.js';

const repo = resolve(import.meta.dirname, '..', '..');

/** The names index.ts exports, types too: `export { a, type B } from`, `export type { C } from`. */
function exportedNames(): string[] {
  const src = readFileSync(join(import.meta.dirname, 'index.ts'), 'utf8');
  return [...src.matchAll(/^export (?:type )?\{([^}]*)\}/gm)].flatMap((m) => m[1].split(',').map((n) => n.trim().replace(/^type /, '')).filter(Boolean));
}

describe('the exports and docs/library.md', () => {
  it('names every exported value and type in backticks', () => {
    const doc = readFileSync(join(repo, 'docs', 'library.md'), 'utf8');
    const names = exportedNames();
    expect(names).toEqual(expect.arrayContaining(Object.keys(askfirst))); // the parse finds every value export
    const documented = (n: string) => new RegExp('`' + n + '[`(<]').test(doc) || new RegExp('`[^`\\n]*\\b' + n + '\\b[^`\\n]*`').test(doc);
    expect(names.filter((n) => !documented(n))).toEqual([]);
  });

  it("exports every constant the table of docs/library.md names", () => {
    const table = readFileSync(join(repo, 'docs', 'library.md'), 'utf8').split('\n').filter((l) => l.startsWith('|'));
    const constants = [...new Set(table.flatMap((l) => [...l.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1])))];
    expect(constants.length).toBeGreaterThan(0);
    expect(constants.filter((c) => !(c in askfirst))).toEqual([]); // MIN_GAP_EPISODES was named (gapClosed's row), not exported
  });
});
