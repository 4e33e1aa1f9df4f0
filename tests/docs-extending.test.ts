/**
 * docs/extending.md against the code it sends a reader to: each helper it names with its file is exported there
 * (src/cli/rl-algorithms.test.ts checks its RL trainer snippets).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('docs/extending.md, a new scenario kind', () => {
  it('docs/extending.md says where each helper it names lives ("`X` from `path`"), and that file exports it', () => {
    const root = join(import.meta.dirname, '..');
    const page = readFileSync(join(root, 'docs', 'extending.md'), 'utf8').replace(/\n\s+/g, ' ');
    const said = [...page.matchAll(/`(\w+)` from `(src\/[\w/.-]+\.ts)`/g)].map((m) => [m[1], m[2]] as const);
    // the helpers that are not in src/suite/kinds/common.ts, where the page sends the reader for the rest
    expect(said.map(([name]) => name)).toEqual(expect.arrayContaining(['categoryMask', 'fillMask', 'UNINFORMATIVE_MAX']));
    for (const [name, file] of said) expect(readFileSync(join(root, file), 'utf8'), `${name} in ${file}`).toMatch(new RegExp(`export (const|function|class|type|interface) ${name}\\b`));
  });
});
