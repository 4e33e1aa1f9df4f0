/**
 * SuiteIndex (suite/episode-index.ts) reads an episode again from where its line was: a line rewritten in place with the
 * same length, the file's modification time put back (`touch -r` after an edit), has the same size, time and inode as
 * the file read, and was read as whatever it then held — another episode under the same id, or "malformed JSON". Each
 * place keeps its line's check (util/text-file.ts lineCheck): such a line is refused as changed since it was read.
 *
 * And what keeping an episode read again costs (`bytes`, EpisodeSource): indexData gives each chosen episode's line bytes in
 * its file, in both layouts, so env serve's pool keeps episodes up to a number of bytes (environment/episodes.ts).
 */
import { readFileSync, statSync, utimesSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { SuiteIndex } from './episode-index.js';
import { fileState } from './episode-places.js';
import { generateSuite } from './generate.js';
import { suiteEpisodeLines, writeSuite } from './io.js';
import { lineCheck } from '../util/text-file.js';
import type { SuiteEpisode } from './types.js';
import { indexData } from './open.js';
import { writeProactiveBench } from './proactivebench/read.js';

/** A suite whose episodes.jsonl has a whole-second modification time (utimes puts back exactly that), and its episodes. */
async function suite(prefix: string): Promise<{ dir: string; file: string; eps: SuiteEpisode[]; when: number }> {
  const dir = tmpDir(prefix);
  const eps = await writeSuite(dir, generateSuite({ episodes: 1, seed: 4, size: 32 }));
  const file = join(dir, 'episodes.jsonl');
  const when = Math.floor(statSync(file).mtimeMs / 1000) - 60;
  utimesSync(file, when, when);
  return { dir, file, eps, when };
}

/** Line `i` (0-based) of `file` made `edit` of it, in place: the same length, the file's modification time put back. */
function rewriteInPlace(file: string, i: number, edit: (line: string) => string, when: number): void {
  const before = fileState(file);
  const lines = readFileSync(file, 'utf8').split('\n');
  const changed = edit(lines[i]);
  expect(Buffer.byteLength(changed)).toBe(Buffer.byteLength(lines[i]));
  lines[i] = changed;
  writeFileSync(file, lines.join('\n')); // the same inode: written over, not replaced
  utimesSync(file, when, when);
  expect(fileState(file)).toBe(before); // nothing the file's state tells
}

/** The first character of episode `ep`'s question, another letter (the line keeps its length and its id). */
const otherQuestion = (ep: SuiteEpisode) => (line: string) => line.replace(JSON.stringify(ep.question), JSON.stringify((ep.question[0] === 'X' ? 'Y' : 'X') + ep.question.slice(1)));

describe("suiteEpisodeLines' places", () => {
  it('with check: true, each line has its lineCheck, typed as there (SuiteIndex keeps it without a `!`)', async () => {
    const { dir, file } = await suite('askfirst-index-checks');
    const lines = readFileSync(file);
    let n = 0;
    for await (const l of suiteEpisodeLines(dir, { check: true })) {
      expectTypeOf(l.check).toEqualTypeOf<number>(); // tsc: number | undefined without the overload
      expect(l.check).toBe(lineCheck(lines.subarray(l.offset, l.offset + l.bytes)));
      n++;
    }
    expect(n).toBeGreaterThan(0);
    for await (const l of suiteEpisodeLines(dir)) expectTypeOf(l.check).toEqualTypeOf<number | undefined>();
  });
});

describe('SuiteIndex on a line rewritten in place, the size and modification time unchanged', () => {
  it('refuses the episode as changed since it was read, never serves the edited one under its id', async () => {
    const { dir, file, eps, when } = await suite('askfirst-index-same-size');
    const index = await SuiteIndex.open(dir);
    try {
      expect((await index.get(eps[3].id))?.question).toBe(eps[3].question); // read again while unchanged: the line read
      expect((await index.get(eps[0].id))?.id).toBe(eps[0].id); // (not the last read, which get hands back as it is)
      rewriteInPlace(file, 3, otherQuestion(eps[3]), when);
      await expect(index.get(eps[3].id)).rejects.toThrow(/episodes\.jsonl:4: the line was changed since it was read: it may no longer hold what it held then; run the command again on data no one is writing$/);
      expect((await index.get(eps[2].id))?.question).toBe(eps[2].question); // the other lines are as read
      await expect(async () => {
        for await (const ep of index.episodes()) void ep;
      }).rejects.toThrow(/episodes\.jsonl:4: the file was changed since it was read/);
    } finally {
      await index.close();
    }
  });

  it('says a line that is no longer JSON changed since it was read, not that it is malformed', async () => {
    const { dir, file, eps, when } = await suite('askfirst-index-same-size-json');
    const index = await SuiteIndex.open(dir);
    try {
      rewriteInPlace(file, 5, (line) => `#${line.slice(1)}`, when);
      await expect(index.get(eps[5].id)).rejects.toThrow(/episodes\.jsonl:6: the line was changed since it was read/);
    } finally {
      await index.close();
    }
  });
});

describe("indexData's bytes of an episode", () => {
  const eps = generateSuite({ episodes: 2, seed: 5, size: 32, kinds: ['occlusion', 'sketch'] });
  const sum = (data: { entries: readonly { id: string }[]; bytes?: (id: string) => number | undefined }) => data.entries.reduce((a, e) => a + data.bytes!(e.id)!, 0);

  it("is its line's in episodes.jsonl (every line's newline the rest of the file); none for an unknown id", async () => {
    const dir = tmpDir('askfirst-index-bytes');
    await writeSuite(dir, eps);
    const data = await indexData(dir);
    try {
      expect(data.entries.length).toBe(eps.length);
      expect(sum(data) + eps.length).toBe(statSync(join(dir, 'episodes.jsonl')).size);
      expect(data.bytes!('no-such-episode')).toBeUndefined();
    } finally {
      await data.close();
    }
  });

  it("is its entry's line in ProactiveBench's index files", async () => {
    const dir = tmpDir('askfirst-index-bytes-pb');
    await writeProactiveBench(dir, eps);
    const data = await indexData(`proactivebench:${dir}`);
    try {
      const files = readdirSync(dir).filter((f) => f.endsWith('_preprocessed.jsonl'));
      expect(data.entries.length).toBe(eps.length);
      expect(sum(data) + eps.length).toBe(files.reduce((a, f) => a + statSync(join(dir, f)).size, 0));
      expect(data.bytes!('no-such-episode')).toBeUndefined();
    } finally {
      await data.close();
    }
  });
});
