/**
 * ProactiveBenchIndex (suite/proactivebench/entry-index.ts, `askfirst env serve`'s reader of ProactiveBench's layout)
 * reads an entry again from where its line was: a line rewritten in place with the same length, the file's modification
 * time put back, was read as whatever it then held (another episode under the same id). Each place keeps its line's
 * check (util/text-file.ts lineCheck): such a line is refused as changed since it was read.
 *
 * Its one pass (`episodes`, what `train rl --data proactivebench:DIR` fingerprints and ranks): each entry was `get`, which
 * looks up every index file's state, ~7 statSync an entry (490,000 for 70,000 entries); the files are read in order now,
 * each file's state looked up before and after the pass, the lines' checks and ids kept.
 */
import fs, { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
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

/** How many times fs.statSync (every file-state look-up, suite/episode-places.ts fileState) is called while `run` runs. */
async function statSyncCalls(run: () => Promise<void>): Promise<number> {
  const nodeFs = fs as { statSync: typeof fs.statSync }; // the CommonJS exports, which syncBuiltinESMExports copies to the named ones
  const statSyncBefore = nodeFs.statSync;
  let calls = 0;
  nodeFs.statSync = ((...a: Parameters<typeof fs.statSync>) => {
    calls++;
    return statSyncBefore(...a);
  }) as typeof fs.statSync;
  syncBuiltinESMExports(); // the modules' `import { statSync }` too
  try {
    await run();
  } finally {
    nodeFs.statSync = statSyncBefore;
    syncBuiltinESMExports();
  }
  return calls;
}

describe("ProactiveBenchIndex's one pass (indexData(...).episodes())", () => {
  const eps = generateSuite({ episodes: 3, seed: 6, size: 32, kinds: ['occlusion', 'sketch', 'camera'] });

  it("gives get's episodes in the entries' order, each index file's state looked up before and after the pass, not at each entry", async () => {
    const dir = tmpDir('askfirst-pb-index-pass');
    await writeProactiveBench(dir, eps);
    const files = readdirSync(dir).filter((f) => f.endsWith('_preprocessed.jsonl'));
    expect(files.length).toBe(3);
    const data = await indexData(`proactivebench:${dir}`);
    try {
      expect(data.entries.length).toBeGreaterThan(files.length);
      const got: unknown[] = [];
      const calls = await statSyncCalls(async () => {
        for await (const ep of data.episodes()) got.push(ep);
      });
      expect(calls).toBe(2 * files.length); // was 3 an entry (every file's, at each `get`)
      const byGet = [];
      for (const e of data.entries) byGet.push(await data.get(e.id));
      expect(got).toEqual(byGet);
    } finally {
      await data.close();
    }
  });

  it('refuses a line rewritten in place (the same length and modification time) when the pass comes to it', async () => {
    const dir = tmpDir('askfirst-pb-index-pass-same-size');
    await writeProactiveBench(dir, eps);
    const file = join(dir, 'coco2014_preprocessed.jsonl'); // camera's, the last file read
    const when = Math.floor(statSync(file).mtimeMs / 1000) - 60; // a whole second, which utimes puts back exactly
    utimesSync(file, when, when);
    const data = await indexData(`proactivebench:${dir}`);
    try {
      const text = readFileSync(file, 'utf8');
      const at = text.indexOf('"question":"') + '"question":"'.length;
      writeFileSync(file, text.slice(0, at) + (text[at] === 'X' ? 'Y' : 'X') + text.slice(at + 1));
      utimesSync(file, when, when);
      const ids: string[] = [];
      await expect(async () => {
        for await (const ep of data.episodes()) ids.push(ep.id);
      }).rejects.toThrow(/coco2014_preprocessed\.jsonl:1: the ProactiveBench files were changed since they were read: their episodes may no longer be those read then; run the command again on data no one is writing$/);
      expect(ids).toEqual(data.entries.filter((e) => e.kind !== 'camera').map((e) => e.id)); // those before it, as read
    } finally {
      await data.close();
    }
  });
});
