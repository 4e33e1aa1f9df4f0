/**
 * The layer table of docs/architecture.md §1 against the real imports of src/: every folder the
 * table names exists and every folder of src/ is in it; imports only go down a floor or more (or
 * stay in their room); no file-level import cycle; product code never imports test support.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');
/** Rooms outside the floors (see the doc): test support and the AssemblyScript kernels. */
const OUTSIDE = new Set(['testing']);

/** `room → floor` from the table rows "| 5 | `src/rl/` | … |". */
function floorsFromDoc(): Map<string, number> {
  const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  const floors = new Map<string, number>();
  for (const m of doc.matchAll(/^\|\s*(\d+)\s*\|\s*`src\/([a-z-]+)\/`\s*\|/gm)) floors.set(m[2], Number(m[1]));
  return floors;
}

/** Non-test TypeScript files of src/ (the AssemblyScript kernels under nn/wasm excluded). */
function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) {
        if (p !== join(src, 'nn', 'wasm')) walk(p);
      } else if (f.endsWith('.ts') && !f.endsWith('.test.ts')) out.push(p);
    }
  };
  walk(src);
  return out;
}

/** Relative imports of a file (static, re-exports and dynamic), comments removed, as absolute .ts paths. */
function importsOf(file: string): string[] {
  const code = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'(\.{1,2}\/[^']+)'/gm)].map((m) => resolve(dirname(file), m[1]).replace(/\.js$/, '.ts'));
}

const roomOf = (file: string) => relative(src, file).split('/')[0];

describe('docs/architecture.md §1 matches the code', () => {
  const floors = floorsFromDoc();
  const files = sourceFiles();
  const graph = new Map(files.map((f) => [f, importsOf(f)]));

  it('names every folder of src/, and only folders that exist', () => {
    expect(floors.size).toBeGreaterThan(10);
    expect(floors.get('probes'), 'the probes room sits above eval (it plays items into its results store), below the CLI').toBe(6);
    for (const room of floors.keys()) expect(existsSync(join(src, room)), `src/${room}/ is in the table but not in the tree`).toBe(true);
    const rooms = readdirSync(src).filter((f) => statSync(join(src, f)).isDirectory() && !OUTSIDE.has(f));
    expect(rooms.filter((r) => !floors.has(r))).toEqual([]);
  });

  it('imports point to a lower floor only', () => {
    const bad: string[] = [];
    for (const [file, deps] of graph) {
      const from = roomOf(file);
      if (OUTSIDE.has(from)) continue;
      for (const dep of deps) {
        const to = roomOf(dep);
        if (to === from) continue;
        if (OUTSIDE.has(to)) bad.push(`${relative(src, file)} imports test support ${relative(src, dep)}`);
        else if (!(floors.get(from)! > floors.get(to)!)) bad.push(`${relative(src, file)} (floor ${floors.get(from)}) imports ${relative(src, dep)} (floor ${floors.get(to)})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, stack: string[]) => {
      state.set(f, 'open');
      stack.push(f);
      for (const d of graph.get(f) ?? []) {
        if (!graph.has(d)) continue;
        if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(src, x)).join(' → '));
        else if (!state.has(d)) visit(d, stack);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('the files the doc names exist', () => {
    const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
    const named = [...doc.matchAll(/`(src\/[\w/.-]+\.ts|bench\/[\w.-]+\.ts|tests\/[\w.-]+\.ts)`/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((p) => !existsSync(join(root, p)))).toEqual([]);
  });

  it('every "docs/architecture.md §N" citation in the code names a section (or a §6 convention) that exists', () => {
    const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
    const sections = new Set([...doc.matchAll(/^## (\d+)\./gm)].map((m) => m[1]));
    const conventions = new Set([...doc.slice(doc.indexOf('## 6.')).matchAll(/^(\d+)\. /gm)].map((m) => `6.${m[1]}`));
    const cited = new Set<string>();
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|py)$/.test(f)) for (const m of readFileSync(p, 'utf8').matchAll(/architecture\.md (?:§|section )(\d+(?:\.\d+)?)/g)) cited.add(m[1]);
      }
    };
    for (const d of ['src', 'bench', 'tests']) walk(join(root, d));
    expect(cited.size).toBeGreaterThan(3);
    expect([...cited].filter((c) => !(c.includes('.') ? conventions.has(c) : sections.has(c)))).toEqual([]);
  });
});
