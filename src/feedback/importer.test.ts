/**
 * importReplied: a suite's episodes go into a project as they come, a batch at a time, so a run stopped part-way keeps
 * what it replied to and the same run started again adds the rest, to the rows an unbroken run makes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RandomPolicy } from '../agents/baselines/random.js';
import type { Episode } from '../episode/types.js';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { tmpDir } from '../testing/tmp.js';
import { openDb } from './db.js';
import { importReplied } from './importer.js';
import { FeedbackStore } from './store.js';

let store: FeedbackStore;
beforeAll(async () => {
  store = await FeedbackStore.open(await openDb());
});
afterAll(async () => {
  await store.close();
});

it('stopped after an episode, it keeps those replied to; started again, it adds the rest, as an unbroken run does', async () => {
  const dir = tmpDir('af-import-stop');
  const written = await writeSuite(dir, generateSuite({ episodes: 2, seed: 4, kinds: ['camera', 'sketch', 'occlusion'] }));
  const episodes: Episode<string>[] = written.map((e) => ({ ...e, views: e.views.map((v) => (v as { path: string }).path) }));
  const o = { types: ['rationale', 'ask', 'preference', 'play'] as const, k: 3, seed: 2 };
  const rows = (projectId: number) => store.db.query('SELECT i.external_id, i.image, i.question, i.model_output, i.facts, i.meta, t.type, t.payload FROM items i JOIN tasks t ON t.item_id = i.id WHERE i.project_id = $1 ORDER BY i.id, t.id', [projectId]);

  const whole = await store.createProject('whole', dir, 1);
  expect(await importReplied(store, whole, episodes, new RandomPolicy(1), o)).toEqual({ episodes: 6, added: 6 });

  const cut = await store.createProject('cut', dir, 1);
  const stop = new AbortController();
  const policy = new RandomPolicy(1);
  let replied = 0;
  const stopping = { name: policy.name, act: (b: Parameters<RandomPolicy['act']>[0]) => (++replied === 3 && stop.abort(new Error('stopped')), policy.act(b)) };
  await expect(importReplied(store, cut, episodes, stopping, { ...o, signal: stop.signal })).rejects.toThrow('stopped');
  expect((await store.db.query('SELECT count(*)::int AS n FROM items WHERE project_id = $1', [cut.id]))[0].n).toBe(3); // the three replied to
  expect(await importReplied(store, cut, episodes, new RandomPolicy(1), o)).toEqual({ episodes: 6, added: 3 });
  expect(await rows(cut.id)).toEqual(await rows(whole.id));
});
