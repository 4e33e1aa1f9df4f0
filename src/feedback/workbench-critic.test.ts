import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { openDb } from './db.js';
import { demoEpisodes } from './demo-scenes.js';
import { rationaleText } from './facts.js';
import { autoCritic, episodeRationaleItems } from './illume.js';
import type { RationaleItem } from './rationale-scorer.js';
import { FeedbackStore } from './store.js';
import type { RationalePayload } from './tasks.js';
import { workbenchCritic } from './workbench-critic.js';

let dir: string;
let store: FeedbackStore;

/** An annotator labels the project's tasks as the critic posts them, accepting the rationales `accepted`, until `n` labels are in. */
async function labelEach(projectId: number, annotatorId: number, n: number, submission: string, accepted: number[]): Promise<void> {
  for (let s = 0; ; ) {
    const a = await store.next(projectId, annotatorId);
    if (a) await store.submit(annotatorId, a.id, `${submission}-${s++}`, { accepted });
    else if ((await store.progress(projectId)).labels === n) return;
    else await new Promise((r) => setTimeout(r, 10));
  }
}
beforeAll(async () => {
  dir = tmpDir('af-wbc');
  store = await FeedbackStore.open(await openDb());
});
afterAll(async () => {
  await store.close();
});

it('workbench critic: sampled rationales become tasks; majority of annotators decides acceptance', async () => {
  const items: RationaleItem[] = [];
  for (const ep of demoEpisodes(4, 5)) items.push(...episodeRationaleItems(ep, async (v) => v));
  const picks = items.map((it) => [...new Set([0, 1, 2, it.candidates.findIndex((c) => c.supports)])]);
  const project = await store.createProject('illume', join(dir, 'images'), 2);
  const people = await Promise.all(['w1', 'w2'].map((n) => store.addAnnotator(n)));
  const byExternal = new Map(items.map((it) => [`illume-r1-${it.id.replace(/[^A-Za-z0-9._-]+/g, '_')}`, it]));
  const supports = (externalId: string, text: string) => byExternal.get(externalId)!.candidates.some((c) => c.supports && rationaleText(c.text) === text);
  // Two truthful annotators label as tasks appear (one also ticks a wrong one: no majority for it).
  let stop = false;
  const labelling = (async () => {
    let s = 0;
    while (!stop) {
      for (const [w, p] of people.entries()) {
        const a = await store.next(project.id, p.id);
        if (!a) continue;
        const r = (a.task.payload as RationalePayload).rationales;
        const accepted = r.flatMap((t, i) => (supports(a.item.externalId, t) || (w === 1 && i === 0) ? [i] : []));
        await store.submit(p.id, a.id, `wbc-sub-${s++}`, { accepted });
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const got = await workbenchCritic(store, project, { pollMs: 50, timeoutMs: 60_000 })(items, picks, 1);
  stop = true;
  await labelling;
  expect(got).toEqual(await autoCritic(items, picks, 1));
  expect((await store.progress(project.id)).labels).toBe(items.length * 2);
});

it('workbench critic started again: the same round goes on from its labels; one made with other rationales is refused', async () => {
  const items: RationaleItem[] = [];
  for (const ep of demoEpisodes(2, 9)) items.push(...episodeRationaleItems(ep, async (v) => v));
  const picks = items.map(() => [0, 1]);
  const project = await store.createProject('illume-again', join(dir, 'images-again'), 1);
  const who = await store.addAnnotator('w-again');
  const critic = () => workbenchCritic(store, project, { pollMs: 20, timeoutMs: 60_000 });
  // the first run: every task labelled (rationale 0 accepted), then it stops
  const first = critic()(items, picks, 1);
  await labelEach(project.id, who.id, items.length, `again-sub`, [0]);
  expect(await first).toEqual(picks.map((p) => [p[0]]));
  // started again with the same settings: the labels are read back, nothing is added
  expect(await critic()(items, picks, 1)).toEqual(picks.map((p) => [p[0]]));
  expect((await store.progress(project.id)).tasks).toBe(items.length);
  // started again with other rationales sampled for the same items: their labels do not fit them
  await expect(critic()(items, items.map(() => [1, 2]), 1)).rejects.toThrow(/already holds ILLUME round 1's item illume-r1-\S+ with other rationales or another image .*use another --project/);
});

it("a round reads its own items, not the project's: an earlier round's items are neither read at its start nor polled", async () => {
  const items: RationaleItem[] = [];
  for (const ep of demoEpisodes(2, 11)) items.push(...episodeRationaleItems(ep, async (v) => v));
  const picks = items.map(() => [0, 1]);
  const project = await store.createProject('illume-own', join(dir, 'images-own'), 1);
  // an earlier round's 100 items of 10 kB each (1 MB): every item and task of the project was read at each round's start and poll
  const old = Array.from({ length: 100 }, (_, k) => ({ externalId: `illume-r0-old${k}`, image: 'old.png', question: 'q', meta: { padding: 'x'.repeat(10_000) }, tasks: [] }));
  await store.addItems(project.id, old);
  const who = await store.addAnnotator('w-own');
  const critic = () => workbenchCritic(store, project, { pollMs: 20, timeoutMs: 60_000 });
  const first = critic()(items, picks, 1);
  await labelEach(project.id, who.id, items.length, `own-sub`, [1]);
  expect(await first).toEqual(picks.map((p) => [p[1]]));
  // started again (its start, one poll, its labels): what its queries return is counted
  let read = 0;
  const query = store.db.query.bind(store.db);
  const spy = vi.spyOn(store.db, 'query').mockImplementation(async (...a: Parameters<typeof query>) => {
    const rows = await query(...a);
    read += JSON.stringify(rows).length;
    return rows;
  });
  try {
    expect(await critic()(items, picks, 1)).toEqual(picks.map((p) => [p[1]]));
  } finally {
    spy.mockRestore();
  }
  expect(read).toBeGreaterThan(0);
  expect(read).toBeLessThan(100 * 10_000); // less than the earlier round's items alone
});
