/**
 * ProactiveBenchIndex (suite/proactivebench/entry-index.ts, `askfirst env serve`'s reader of ProactiveBench's layout)
 * reads an entry again from where its line was: a line rewritten in place with the same length, the file's modification
 * time put back, was read as whatever it then held (another episode under the same id). Each place keeps its line's
 * check (util/text-file.ts lineCheck): such a line is refused as changed since it was read.
 */
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../../testing/tmp.js';
import { fileState } from '../episode-places.js';
import { generateSuite } from '../generate.js';
import { indexData } from '../open.js';
import { writeProactiveBench } from './read.js';

describe('ProactiveBenchIndex on a line rewritten in place, the size and modification time unchanged', () => {
  it('refuses the entry as changed since it was read, never serves the edited one under its id', async () => {
    const dir = tmpDir('askfirst-pb-index-same-size');
    const eps = generateSuite({ episodes: 2, seed: 4, size: 32, kinds: ['occlusion'] });
    await writeProactiveBench(dir, eps);
    const file = join(dir, readdirSync(dir).find((f) => f.endsWith('_preprocessed.jsonl'))!);
    const when = Math.floor(statSync(file).mtimeMs / 1000) - 60; // a whole second, which utimes puts back exactly
    utimesSync(file, when, when);
    const data = await indexData(`proactivebench:${dir}`);
    try {
      expect((await data.get(eps[1].id))?.question).toBe(eps[1].question);
      expect((await data.get(eps[0].id))?.id).toBe(eps[0].id); // (not the last read, which get hands back as it is)
      // episode 1's question, one letter for another: the same length, its id kept
      const before = fileState(file);
      const text = readFileSync(file, 'utf8');
      const at = text.lastIndexOf(JSON.stringify(eps[1].question));
      expect(at).toBeGreaterThan(text.indexOf(eps[1].id) - 1);
      writeFileSync(file, text.slice(0, at + 1) + (eps[1].question[0] === 'X' ? 'Y' : 'X') + text.slice(at + 2));
      utimesSync(file, when, when);
      expect(fileState(file)).toBe(before); // nothing the file's state tells
      await expect(data.get(eps[1].id)).rejects.toThrow(/_preprocessed\.jsonl:\d+: the line was changed since it was read: it may no longer hold what it held then; run the command again on data no one is writing$/);
      expect((await data.get(eps[0].id))?.question).toBe(eps[0].question); // the other line is as read
    } finally {
      await data.close();
    }
  });
});
