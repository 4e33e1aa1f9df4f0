/**
 * README.md's "The episode format" names every field of an `episodes.jsonl` line that `askfirst suite generate`
 * writes: a reader writing their own episodes learns each from it (it once left out `referenceQuestion`, `hint`
 * and `meta`, which every generated line holds).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSuite } from '../src/suite/generate.js';
import { writeSuite } from '../src/suite/io.js';
import { tmpDir } from '../src/testing/tmp.js';

const root = resolve(import.meta.dirname, '..');

describe("README.md's episode format", () => {
  it('names every field of a generated episodes.jsonl line', async () => {
    const dir = join(tmpDir('af-readme-format'), 'suite');
    await writeSuite(dir, generateSuite({ episodes: 2, seed: 0 }));
    const lines = readFileSync(join(dir, 'episodes.jsonl'), 'utf8').trim().split('\n');
    const fields = new Set(lines.flatMap((l) => Object.keys(JSON.parse(l) as object)));
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const start = readme.indexOf('**The episode format.**');
    expect(start).toBeGreaterThanOrEqual(0);
    const section = readme.slice(start, readme.indexOf('\n\n', start));
    const named = new Set([...section.matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]));
    expect([...fields].filter((f) => !named.has(f))).toEqual([]);
  });
});
