/**
 * loadDataEpisodes on ProactiveBench's layout (`askfirst report`'s example episodes) and loadData (`askfirst eval`'s):
 * the files are read a line at a time, not whole (docs/evaluation.md, "Comparing runs" and "Large datasets"), and the
 * episodes kept are those loadData gives, an entry loadData skips (a bad line, a missing image) left out the same way.
 */
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { quickDrawEntry, writeProactiveBench } from '../testing/proactivebench-fixture.js';
import { filterIds } from './proactivebench/filter.js';
import { loadData, loadDataEpisodes } from './open.js';

const wholeReads = vi.hoisted(() => ({ files: [] as string[] }));
vi.mock('../util/text-file.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../util/text-file.js')>();
  return {
    ...real,
    readTextFile: async (path: string) => {
      wholeReads.files.push(path);
      return real.readTextFile(path);
    },
  };
});

describe('loadDataEpisodes on ProactiveBench data', () => {
  it('reads the files a line at a time and keeps the episodes loadData gives', async () => {
    const ids = [...filterIds('QuickDraw')!].slice(0, 6);
    // each entry with images of its own, so one can go missing alone; line 3 is malformed
    const lines = ids.map((id) => JSON.stringify(quickDrawEntry(id, { image_template: `QD${id}/{image}.png` })));
    lines.splice(2, 0, '{"id": 1,');
    const d = await writeProactiveBench('askfirst-open-pb', { 'QuickDraw_preprocessed.jsonl': lines }, ids.flatMap((id) => [`QD${id}/0000.png`, `QD${id}/0001.png`]));
    await unlink(join(d, `QD${ids[4]}`, '0001.png'));
    wholeReads.files.length = 0;
    const all = await loadData(`proactivebench:${d}`);
    expect(wholeReads.files).toEqual([]); // eval's reader read each file whole before
    expect(all.episodes.map((e) => e.id)).toEqual([0, 1, 2, 3, 5].map((i) => `QD-${ids[i]}`));
    expect(all.skipped).toHaveLength(2);

    wholeReads.files.length = 0;
    const want = new Set([`QD-${ids[1]}`, `QD-${ids[4]}`, `QD-${ids[5]}`, 'not-there']);
    const { episodes, loader } = await loadDataEpisodes(`proactivebench:${d}`, want);
    expect(wholeReads.files).toEqual([]); // read whole before: loadData's reader
    expect([...episodes.keys()].sort()).toEqual([`QD-${ids[1]}`, `QD-${ids[5]}`].sort());
    for (const [id, ep] of episodes) expect(ep).toEqual(all.episodes.find((e) => e.id === id));
    expect((await loader(episodes.get(`QD-${ids[1]}`)!.views[0], `QD-${ids[1]}`)).width).toBe(4);

    // a lone \r between an entry's fields is JSON whitespace, not a line end: the same episodes, on the same lines, in both
    const cr = lines.map((l, i) => (i === 1 ? l.replace(',"prompt"', ',\r"prompt"') : l));
    expect(cr[1]).toContain('\r');
    await writeFile(join(d, 'QuickDraw_preprocessed.jsonl'), `${cr.join('\r\n')}\r\n`);
    const crAll = await loadData(`proactivebench:${d}`);
    expect(crAll.episodes.map((e) => [e.id, e.meta?.line])).toEqual([0, 1, 2, 3, 5].map((i) => [`QD-${ids[i]}`, i < 2 ? i + 1 : i + 2]));
    const crSome = await loadDataEpisodes(`proactivebench:${d}`, want);
    expect([...crSome.episodes.keys()].sort()).toEqual([`QD-${ids[1]}`, `QD-${ids[5]}`].sort()); // QD-ids[1] was lost: two malformed lines
    for (const [id, ep] of crSome.episodes) expect(ep).toEqual(crAll.episodes.find((e) => e.id === id));

    // nothing readable: refused, as loadData refuses it
    await writeFile(join(d, 'QuickDraw_preprocessed.jsonl'), '{"id": 1,\n');
    await expect(loadData(`proactivebench:${d}`)).rejects.toThrow(/none of its entries could be read/);
    await expect(loadDataEpisodes(`proactivebench:${d}`, want)).rejects.toThrow(/none of its entries could be read/);
  });
});
