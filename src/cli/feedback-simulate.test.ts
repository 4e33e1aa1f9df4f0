/**
 * `askfirst feedback simulate` on a large project: before its first label it read every item of the project with its
 * stored data (both plays of each pair) and checked every pair, and read every label with its item to count the labels
 * each pair holds — 132 s and 2 GB at 115k pairs, silent for over a minute. It reads an item when an annotator is
 * assigned it, and counts the labels in the database. Measured here by the item rows (rows carrying an item's `meta`)
 * the command reads from the database, not by time.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Db } from '../feedback/db.js';
import { openStore } from '../feedback/open-store.js';
import { pairToItem, type TrajectoryPair } from '../feedback/pairs.js';
import { FeedbackStore } from '../feedback/store.js';
import type { Episode } from '../episode/types.js';
import { chainEpisode } from '../testing/chain-episode.js';
import { playEpisode } from '../testing/play-episode.js';
import { tmpDir } from '../testing/tmp.js';
import { runSimulate } from './feedback-rlhf.js';

afterEach(() => vi.restoreAllMocks());

const ep = (id: string): Episode<string> => ({ ...chainEpisode(id, 3, 2), views: ['v0.png', 'v1.png', 'v2.png'] });
const ask = (e: Episode<string>) => playEpisode(e, 'proactive', (t) => (t.view === 2 ? e.categories[e.answer] : t.options[0]));
const guess = (e: Episode<string>) => playEpisode(e, 'proactive', () => e.categories[0]);

/** A project "p" of `n` trajectory pairs, two labels each, in a new PGlite directory. */
async function project(n: number): Promise<string> {
  const dbDir = join(tmpDir('af-fb-simulate-start'), 'db');
  const store = await openStore(dbDir);
  try {
    const pairs: TrajectoryPair[] = Array.from({ length: n }, (_, k) => ({ id: `e${k}#pair0`, episode: ep(`e${k}`), a: guess(ep(`e${k}`)), b: ask(ep(`e${k}`)) }));
    await store.createProject('p', '/tmp', 2, pairs.map(pairToItem));
  } finally {
    await store.close();
  }
  return dbDir;
}

/** Counts the item rows (an item's stored data: its `meta`) each store opened from now on reads from its database. */
function countItemRows(): { rows: number } {
  const seen = { rows: 0 };
  const open = FeedbackStore.open.bind(FeedbackStore);
  vi.spyOn(FeedbackStore, 'open').mockImplementation((db: Db) => {
    const query = db.query.bind(db);
    db.query = (async (sql: string, params?: unknown[]) => {
      const rows = await query(sql, params);
      seen.rows += rows.filter((r) => typeof r === 'object' && r !== null && 'meta' in r).length;
      return rows;
    }) as Db['query'];
    return open(db);
  });
  return seen;
}

describe('askfirst feedback simulate, startup on a large project', () => {
  it('reads the items it labels (not the whole project, nor every label with its item): 1 label of 40 pairs, 20 labelled, reads 3 item rows', { timeout: 60_000 }, async () => {
    const dbDir = await project(40);
    const opts = { dbDir, project: 'p', annotators: 1, seed: 2, progress: false };
    expect((await runSimulate({ ...opts, maxLabels: 20 }, () => undefined)).labels).toBe(20); // half the labels are in: a resumed run
    const read = countItemRows();
    expect((await runSimulate({ ...opts, maxLabels: 1 }, () => undefined)).labels).toBe(1);
    // the workbench reads the assignment with its item twice (handing it out, storing its label), the simulator the pair
    // once; it read 40 items + 20 labels with theirs + those 3
    expect(read.rows).toBe(3);
  });

  it('--max-labels is exact with several annotators: 2 labels by 3 annotators store 2 (they stored 3 or 4)', { timeout: 60_000 }, async () => {
    const dbDir = await project(10);
    // each annotator checked the count before taking a pair, so all three took one before the first label was in
    // (302 labels at --max-labels 300); they take a pair only while the labels given and being given are under it
    expect((await runSimulate({ dbDir, project: 'p', annotators: 3, seed: 2, progress: false, maxLabels: 2 }, () => undefined)).labels).toBe(2);
    const store = await openStore(dbDir, { create: false });
    try {
      expect((await store.progress((await store.project('p')).id)).labels).toBe(2); // the labels stored, counted in the database
    } finally {
      await store.close();
    }
  });

  it('says how many labels are still to give, and why, when fewer annotators than a pair takes leave the project short', { timeout: 60_000 }, async () => {
    const dbDir = await project(3); // two labels a pair
    const said: string[] = [];
    expect((await runSimulate({ dbDir, project: 'p', annotators: 1, seed: 2, progress: false }, (s) => void said.push(s))).labels).toBe(3);
    expect(said).toEqual([
      expect.stringMatching(/^3 labels by 1 simulated annotators/),
      'project "p": 3 of 6 labels still to give: each pair takes 2 labels from different annotators, and the 1 of this run gave one each at most: run it again (each run makes new annotators), or with --annotators 2',
    ]);
    said.length = 0;
    expect((await runSimulate({ dbDir, project: 'p', annotators: 2, seed: 2, progress: false }, (s) => void said.push(s))).labels).toBe(3); // the rest, by new annotators
    expect(said).toEqual([expect.stringMatching(/^3 labels by 2 simulated annotators/)]); // complete: nothing more said
  });

  it('says the labels left on items that are not trajectory pairs are for people (it said they were held by annotators), and does not run for them alone', { timeout: 60_000 }, async () => {
    const dbDir = join(tmpDir('af-fb-simulate-mixed'), 'db');
    const store = await openStore(dbDir);
    try {
      const pairs: TrajectoryPair[] = ['e0', 'e1'].map((id) => ({ id: `${id}#pair0`, episode: ep(id), a: guess(ep(id)), b: ask(ep(id)) }));
      const forPeople = { externalId: 'x', image: 'a.png', question: 'q?', tasks: [{ type: 'preference' as const, payload: { replies: ['a', 'b'] } as never }] };
      await store.createProject('p', '/tmp', 2, [...pairs.map(pairToItem), forPeople]); // two labels an item: 6 in all, 2 of them people's
    } finally {
      await store.close();
    }
    const people = ' on items that are not trajectory pairs, which simulate does not label: they are for people, in the workbench (askfirst feedback serve)';
    const said: string[] = [];
    const run = async (annotators: number) => {
      said.length = 0;
      return (await runSimulate({ dbDir, project: 'p', annotators, seed: 2, progress: false }, (s) => void said.push(s))).labels;
    };
    expect(await run(1)).toBe(2);
    expect(said[1]).toBe(`project "p": 4 of 6 labels still to give: 2 on its trajectory pairs: each pair takes 2 labels from different annotators, and the 1 of this run gave one each at most: run it again (each run makes new annotators), or with --annotators 2; 2 are${people}`);
    expect(await run(2)).toBe(2); // the pairs' rest
    expect(said).toEqual([expect.stringMatching(/^2 labels by 2 simulated annotators/), `project "p": 2 of 6 labels still to give: 2 are${people}`]);
    const before = await openStore(dbDir, { create: false });
    const annotators = (await before.annotators()).length;
    await before.close();
    expect(await run(3)).toBe(0); // was: a workbench started, 3 annotators made, "0 labels by 3 simulated annotators"
    expect(said).toEqual([`project "p": all 4 labels of its trajectory pairs are in, so there is nothing to simulate; 2 are${people}`]);
    const after = await openStore(dbDir, { create: false });
    try {
      expect((await after.annotators()).length).toBe(annotators);
    } finally {
      await after.close();
    }
  });

  it('a project whose labels are all in says it is complete (it said "0 labels by 3 simulated annotators"), and makes no annotator', { timeout: 60_000 }, async () => {
    const dbDir = await project(2); // two labels a pair
    expect((await runSimulate({ dbDir, project: 'p', annotators: 2, seed: 2, progress: false }, () => undefined)).labels).toBe(4);
    const before = await openStore(dbDir, { create: false });
    const annotators = (await before.annotators()).length;
    await before.close();
    const said: string[] = [];
    expect((await runSimulate({ dbDir, project: 'p', annotators: 3, seed: 2, progress: false }, (s) => void said.push(s))).labels).toBe(0);
    expect(said).toEqual(['project "p" is already complete: all 4 labels are in (2 a pair), so there is nothing to simulate; import more pairs with `askfirst feedback pairs` to label more']);
    const after = await openStore(dbDir, { create: false });
    try {
      expect((await after.annotators()).length).toBe(annotators);
    } finally {
      await after.close();
    }
  });

  it('a project without trajectory pairs is still refused before any annotator is made, saying how to add some', { timeout: 60_000 }, async () => {
    const dbDir = join(tmpDir('af-fb-simulate-nopairs'), 'db');
    const store = await openStore(dbDir);
    try {
      await store.createProject('p', '/tmp', 1, [{ externalId: 'x', image: 'a.png', question: 'q?', tasks: [{ type: 'preference', payload: { replies: ['a', 'b'] } as never }] }]);
    } finally {
      await store.close();
    }
    await expect(runSimulate({ dbDir, project: 'p', progress: false }, () => undefined)).rejects.toThrow('project "p" has no trajectory pairs: import some with `askfirst feedback pairs`');
    const check = await openStore(dbDir, { create: false });
    try {
      expect(await check.annotators()).toEqual([]);
    } finally {
      await check.close();
    }
  });
});
