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

describe('docs/extending.md, trying it', () => {
  it("its commands write into a fresh folder of the reader's, not a fixed /tmp path another user may hold", () => {
    const page = readFileSync(join(import.meta.dirname, '..', 'docs', 'extending.md'), 'utf8').replace(/\n\s+/g, ' ');
    const commands = [...page.matchAll(/`(askfirst [^`]*)`/g)].map((m) => m[1]);
    const trying = commands.filter((c) => c.includes('--out'));
    expect(trying.length).toBeGreaterThanOrEqual(2); // the supervised model and the RL run of step 6
    // they wrote to /tmp/sup and /tmp/rl: on a shared machine someone else's, or an earlier try's
    for (const c of trying) expect(c, c).not.toMatch(/(--out|--init) \/tmp\//);
    expect(page).toContain('d=$(mktemp -d)');
  });
});
