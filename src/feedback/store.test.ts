import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from './db.js';
import { exportDpo, exportSft, majorityAccepted, toJsonl, viewTranscript, type DpoRow, type SftRow } from './export.js';
import { createDemoProject } from './importer.js';
import { pairToItem, readLabelledPairs } from './pairs.js';
import { generateSuite } from '../suite/generate.js';
import { readSuite, writeSuite } from '../suite/io.js';
import type { Episode } from '../episode/types.js';
import { playEpisode } from '../testing/play-episode.js';
import { tmpDir } from '../testing/tmp.js';
import { turnsBetweenSteps } from '../testing/turns.js';
import { migrate } from './migrations.js';
import { FeedbackStore, hashToken, type ItemInput } from './store.js';
import type { PreferencePayload, RationaleLabel, RationalePayload } from './tasks.js';

/**
 * Why TRL v1.9.0 would refuse a DPO row's images, or '' when it takes them: its DataCollatorForVisionPreference fills
 * the prompt's unfilled `{"type": "image"}` placeholders from `images` (prepare_multimodal_messages raises "Number of
 * images provided … does not match number of image placeholders" otherwise) and prepares `chosen` and `rejected` with
 * no images, so a placeholder there is refused too; the processor reads the images with the prompt alone.
 */
function trlDpoImages(row: DpoRow): string {
  const placeholders = (ms: DpoRow['prompt']) => ms.reduce((n, m) => n + m.content.filter((c) => c.type === 'image').length, 0);
  if (placeholders(row.prompt) !== row.images.length) return `prompt: ${placeholders(row.prompt)} placeholders, ${row.images.length} images`;
  for (const k of ['chosen', 'rejected'] as const) if (placeholders(row[k])) return `${k}: ${placeholders(row[k])} placeholders, no images`;
  return '';
}

let dir: string;
let store: FeedbackStore;

beforeAll(async () => {
  dir = tmpDir('af-store');
  store = await FeedbackStore.open(await openDb());
});
afterAll(async () => {
  await store.close();
});

describe('FeedbackStore (PGlite in memory)', () => {
  it('migrations are recorded and not applied twice', async () => {
    expect(await migrate(store.db)).toEqual([]);
    const rows = await store.db.query<{ version: number }>('SELECT version FROM schema_migrations');
    expect(rows.map((r) => r.version).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('an unknown project is a not-found error that names the commands that create one and the one that lists them', async () => {
    const err = store.project('no-such-project');
    await expect(err).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(err).rejects.toThrow(/no project "no-such-project".*feedback import --project.*feedback pairs --project.*feedback status/);
  });

  it("adding a project's items hands the event loop a turn after each one (Ctrl-C is heard then, not after the whole transaction), and adds the same rows", async () => {
    const p = await store.createProject('turns', dir, 1);
    const items: ItemInput[] = Array.from({ length: 12 }, (_, i) => ({ externalId: `turn-${i}`, image: 'a.png', question: `q${i}`, tasks: [{ type: 'ask', payload: { options: ['zoom in', 'cat'], numInterventions: 1, reply: `r${i}` } }] }));
    // PGlite answers each insert without a turn: 1,000 pairs (about 3 s) ran as one stretch and a signal waited for it
    expect(await turnsBetweenSteps((onItem) => store.addItems(p.id, items, onItem))).toEqual(Array(11).fill(true));
    expect((await store.items(p.id)).map((it) => it.externalId)).toEqual(items.map((it) => it.externalId));
    expect((await store.tasks(p.id)).map((t) => t.payload)).toEqual(items.map((it) => it.tasks[0].payload));
  });

  it('stores token hashes only and authenticates by token', async () => {
    const a = await store.addAnnotator('hash-check');
    const rows = await store.db.query<{ token_hash: string }>('SELECT token_hash FROM annotators WHERE id = $1', [a.id]);
    expect(rows[0].token_hash).not.toContain(a.token);
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await store.authenticate(a.token)).toEqual({ id: a.id, name: 'hash-check' });
    expect(await store.authenticate(a.token + 'x')).toBeNull();
  });

  it('revoking an annotator: their token stops signing in, their open assignments go back to the queue, their labels stay, they take nothing more', async () => {
    const { project } = await createDemoProject(store, 'revoke', join(dir, 'revoke'), 2, 1, { types: ['ask', 'preference'] });
    const a = await store.addAnnotator('leaver');
    const b = await store.addAnnotator('stayer');
    const done = (await store.next(project.id, a.id, 'ask'))!;
    await store.submit(a.id, done.id, 'revoke-sub-a1', { verdict: 'ask', option: 0 });
    const heldAsk = (await store.next(project.id, a.id, 'ask'))!;
    const heldPref = (await store.next(project.id, a.id, 'preference'))!;
    expect(await store.next(project.id, b.id, 'ask')).toBeNull(); // a holds every ask slot
    const before = (await store.annotators()).find((x) => x.id === a.id)!;
    expect(before).toMatchObject({ name: 'leaver', labels: 1, open: 2, revokedAt: null });
    expect(before.lastActive).not.toBeNull();

    const r = await store.revokeAnnotator('leaver');
    expect(r).toEqual({ annotator: { id: a.id, name: 'leaver' }, released: 2, already: null });
    expect(await store.authenticate(a.token)).toBeNull();
    expect(await store.authenticate(b.token)).toEqual({ id: b.id, name: 'stayer' });
    // their label stays, counted; their two open slots are free again and another annotator takes them
    expect((await store.labelled(project.id, 'ask')).map((l) => l.annotation.annotatorId)).toEqual([a.id]);
    const tasks = await store.tasks(project.id);
    expect(tasks.find((t) => t.id === done.task.id)).toMatchObject({ assigned: 1, done: 1 });
    expect(tasks.find((t) => t.id === heldAsk.task.id)).toMatchObject({ assigned: 0, done: 0 });
    expect(tasks.find((t) => t.id === heldPref.task.id)).toMatchObject({ assigned: 0, done: 0 });
    const taken = (await store.next(project.id, b.id, 'ask'))!;
    expect(taken.task.id).toBe(heldAsk.task.id);
    await store.submit(b.id, taken.id, 'revoke-sub-b1', { verdict: 'ask', option: 0 }); // (leaves nothing open for the stale-release test below)
    // a request already signed in (inside the workbench's login cache) takes or takes back nothing, and is told why
    // (not answered "all done")
    await expect(store.next(project.id, a.id)).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/your token was revoked, so it gets no more tasks/) });
    expect((await store.tasks(project.id)).find((t) => t.id === heldPref.task.id)).toMatchObject({ assigned: 0 });
    // nor keeps one (a play step or a heartbeat: refused as a label is, not answered 'taken' or 'labelled')
    await expect(store.keep(heldPref.id, a.id)).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/your token was revoked, so this task is no longer yours/) });
    await expect(store.keep(done.id, a.id)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // nor stores a label: not for a released assignment whose task has room (it was stored), nor a change to an old one
    await expect(store.submit(a.id, heldPref.id, 'revoke-sub-a2', { lessHallucination: 0, moreHelpful: 1 })).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/your token was revoked, so this label was not saved/) });
    expect(await store.labelled(project.id, 'preference')).toEqual([]);
    const mine = (await store.labelled(project.id, 'ask')).find((l) => l.annotation.annotatorId === a.id)!;
    const category = (done.task.payload as { numInterventions: number }).numInterventions; // a valid change: answer with the first category
    await expect(store.update(a.id, mine.annotation.id, { verdict: 'answer', option: category })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await store.annotation(a.id, mine.annotation.id)).label).toEqual({ verdict: 'ask', option: 0 });
    expect((await store.tasks(project.id)).find((t) => t.id === heldPref.task.id)).toMatchObject({ assigned: 0 });
    const after = (await store.annotators()).find((x) => x.id === a.id)!;
    expect(after).toMatchObject({ labels: 1, open: 0 });
    expect(after.revokedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    // revoking again changes nothing and says since when
    expect(await store.revokeAnnotator('leaver')).toEqual({ annotator: { id: a.id, name: 'leaver' }, released: 0, already: after.revokedAt });
  });

  it('a new token replaces the old one (which stops signing in) and reinstates a revoked annotator, labels untouched', async () => {
    const { project } = await createDemoProject(store, 'rotate', join(dir, 'rotate'), 1, 1, { types: ['ask'] });
    const a = await store.addAnnotator('rotator');
    const asg = (await store.next(project.id, a.id))!;
    const fresh = await store.newToken('rotator');
    expect(fresh).toMatchObject({ id: a.id, name: 'rotator', reinstated: false });
    expect(fresh.token).not.toBe(a.token);
    expect(await store.authenticate(a.token)).toBeNull();
    expect(await store.authenticate(fresh.token)).toEqual({ id: a.id, name: 'rotator' });
    expect((await store.next(project.id, a.id))!.id).toBe(asg.id); // a new token keeps their assignment
    await store.submit(a.id, asg.id, 'rotate-sub-a1', { verdict: 'ask', option: 0 });
    await store.revokeAnnotator('rotator');
    const back = await store.newToken('rotator');
    expect(back.reinstated).toBe(true);
    expect(await store.authenticate(fresh.token)).toBeNull();
    expect(await store.authenticate(back.token)).toEqual({ id: a.id, name: 'rotator' });
    expect((await store.annotators()).find((x) => x.id === a.id)).toMatchObject({ labels: 1, revokedAt: null });
  });

  it("a replaced token's label, label change, play step and heartbeat are refused in the store's own statement (the login cache may still let them in); the new token's go through", async () => {
    const { project } = await createDemoProject(store, 'replace', join(dir, 'replace'), 2, 1, { types: ['ask'] });
    const a = await store.addAnnotator('swapper');
    const oldHash = hashToken(a.token);
    const first = (await store.next(project.id, a.id))!;
    const { annotation } = await store.submit(a.id, first.id, 'replace-sub-a1', { verdict: 'ask', option: 0 }, oldHash);
    const held = (await store.next(project.id, a.id))!;
    expect(await store.keep(held.id, a.id, oldHash)).toBe('held'); // the token still works
    const fresh = await store.newToken('swapper');
    const replaced = { code: 'UNAUTHORIZED', message: expect.stringMatching(/your token was replaced by a new one, so .*sign in with the new token/) };
    await expect(store.keep(held.id, a.id, oldHash)).rejects.toMatchObject(replaced);
    await expect(store.submit(a.id, held.id, 'replace-sub-a2', { verdict: 'ask', option: 0 }, oldHash)).rejects.toMatchObject({
      ...replaced,
      message: expect.stringMatching(/your token was replaced by a new one, so this label was not saved/),
    });
    await expect(store.update(a.id, annotation.id, { verdict: 'ask', option: 1 }, oldHash)).rejects.toMatchObject(replaced);
    await expect(store.next(project.id, a.id, undefined, oldHash)).rejects.toMatchObject({ ...replaced, message: expect.stringMatching(/replaced by a new one, so it gets no more tasks/) });
    expect((await store.tasks(project.id)).find((t) => t.id === held.task.id)).toMatchObject({ done: 0 }); // nothing stored
    const newHash = hashToken(fresh.token);
    expect((await store.next(project.id, a.id, undefined, newHash))!.id).toBe(held.id); // the new token resumes it
    expect(await store.keep(held.id, a.id, newHash)).toBe('held');
    expect((await store.submit(a.id, held.id, 'replace-sub-a3', { verdict: 'ask', option: 0 }, newHash)).replayed).toBe(false);
    expect((await store.update(a.id, annotation.id, { verdict: 'ask', option: 1 }, newHash)).label).toEqual({ verdict: 'ask', option: 1 });
  });

  it('an unknown annotator name, and adding a name that exists, are one-line errors saying what to do', async () => {
    await expect(store.revokeAnnotator('nobody')).rejects.toThrow('no annotator "nobody": `askfirst feedback annotator --list` lists them; `askfirst feedback annotator nobody` adds one');
    await expect(store.newToken('nobody')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await store.addAnnotator('twice');
    await expect(store.addAnnotator('twice')).rejects.toThrow('annotator "twice" exists already: give another name, or replace their token with `askfirst feedback annotator twice --new-token`');
  });

  it('assigns each task to N distinct annotators, never twice to one, and completes at N labels', async () => {
    const { project } = await createDemoProject(store, 'queue', join(dir, 'queue'), 3, 2, { types: ['ask'] });
    const [a, b, c] = await Promise.all(['qa', 'qb', 'qc'].map((n) => store.addAnnotator(n)));
    const seen = new Map<number, Set<number>>();
    for (const who of [a, b, c]) {
      const mine = new Set<number>();
      for (;;) {
        const asg = await store.next(project.id, who.id);
        if (!asg) break;
        expect(mine.has(asg.task.id)).toBe(false);
        mine.add(asg.task.id);
        // Asking again before submitting resumes the same assignment.
        expect((await store.next(project.id, who.id))!.id).toBe(asg.id);
        const p = asg.task.payload as { numInterventions: number };
        await store.submit(who.id, asg.id, `sub-queue-${who.id}-${asg.id}`, { verdict: 'ask', option: p.numInterventions - 1 });
      }
      seen.set(who.id, mine);
    }
    const total = [...seen.values()].reduce((s, m) => s + m.size, 0);
    expect(total).toBe(6);
    const prog = await store.progress(project.id, a.id);
    expect(prog).toMatchObject({ tasks: 3, completedTasks: 3, labels: 6, needed: 6 });
  });

  it('submission is idempotent by submission id; a second different submission conflicts; labels are validated', async () => {
    const { project } = await createDemoProject(store, 'idem', join(dir, 'idem'), 1, 1, { types: ['preference'] });
    const a = await store.addAnnotator('idem-a');
    const asg = (await store.next(project.id, a.id))!;
    await expect(store.submit(a.id, asg.id, 'sub-bad-000', { lessHallucination: 2, moreHelpful: 0 })).rejects.toThrow(/invalid preference label/);
    const first = await store.submit(a.id, asg.id, 'sub-idem-001', { lessHallucination: 1, moreHelpful: 0 });
    const again = await store.submit(a.id, asg.id, 'sub-idem-001', { lessHallucination: 1, moreHelpful: 0 });
    expect(again.replayed).toBe(true);
    expect(again.annotation.id).toBe(first.annotation.id);
    await expect(store.submit(a.id, asg.id, 'sub-idem-002', { lessHallucination: 0, moreHelpful: 0 })).rejects.toMatchObject({ code: 'CONFLICT' });
    const n = await store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM annotations WHERE task_id = $1', [asg.task.id]);
    expect(n[0].n).toBe(1);
    // Changing one's own label keeps the count.
    const upd = await store.update(a.id, first.annotation.id, { lessHallucination: 0, moreHelpful: 1 });
    expect(upd.label).toEqual({ lessHallucination: 0, moreHelpful: 1 });
    expect((await store.progress(project.id)).labels).toBe(1);
  });

  it('a retry with the same submission id but another label is a conflict saying so, not a replay of the old label', async () => {
    const { project } = await createDemoProject(store, 'retry-changed', join(dir, 'retry-changed'), 1, 1, { types: ['preference', 'rationale', 'play'] });
    const a = await store.addAnnotator('retry-changed-a');
    const pref = (await store.next(project.id, a.id, 'preference'))!;
    // The first request lands, its response is lost; the annotator changes their mind and submits again.
    const first = await store.submit(a.id, pref.id, 'sub-retry-001', { lessHallucination: 0, moreHelpful: 0 });
    const changed = store.submit(a.id, pref.id, 'sub-retry-001', { lessHallucination: 1, moreHelpful: 1 });
    await expect(changed).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(changed).rejects.toThrow(new RegExp(`already labelled \\(annotation ${first.annotation.id}, by this submission\\) with a different label; the new label was not saved`));
    expect((await store.annotation(a.id, first.annotation.id)).label).toEqual({ lessHallucination: 0, moreHelpful: 0 });
    // The same label sent again (in any key order, or before normalisation) is still a replay.
    expect((await store.submit(a.id, pref.id, 'sub-retry-001', { moreHelpful: 0, lessHallucination: 0 })).replayed).toBe(true);
    const rat = (await store.next(project.id, a.id, 'rationale'))!;
    await store.submit(a.id, rat.id, 'sub-retry-002', { accepted: [2, 0], own: ' because ' });
    expect((await store.submit(a.id, rat.id, 'sub-retry-002', { accepted: [0, 2, 2], own: 'because' })).replayed).toBe(true);
    await expect(store.submit(a.id, rat.id, 'sub-retry-002', { accepted: [] })).rejects.toMatchObject({ code: 'CONFLICT' });
    const play = (await store.next(project.id, a.id, 'play'))!;
    const playLabel = { transcript: [{ view: 0, reply: 'circle' }], outcome: 'correct', rating: 4 };
    await store.submit(a.id, play.id, 'sub-retry-003', playLabel);
    expect((await store.submit(a.id, play.id, 'sub-retry-003', playLabel)).replayed).toBe(true);
  });

  it('releases stale open assignments so others can take the task', async () => {
    const { project } = await createDemoProject(store, 'stale', join(dir, 'stale'), 1, 1, { types: ['ask'] });
    const a = await store.addAnnotator('stale-a');
    const b = await store.addAnnotator('stale-b');
    const asg = (await store.next(project.id, a.id))!;
    expect(await store.next(project.id, b.id)).toBeNull(); // the only slot is held by a
    expect(await store.releaseStale(3600)).toBe(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.releaseStale(0.001)).toBe(1);
    const got = (await store.next(project.id, b.id))!;
    expect(got.task.id).toBe(asg.task.id);
    await expect(store.submit(a.id, asg.id, 'stale-sub-a1', { verdict: 'ask', option: 0 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await store.submit(b.id, got.id, 'stale-sub-b1', { verdict: 'ask', option: 0 });
    expect((await store.progress(project.id)).completedTasks).toBe(1);
  });

  /** Makes an assignment look idle for two hours (no activity since), as a walked-away annotator's. */
  const idle = (id: number) => store.db.query(`UPDATE assignments SET seen_at = now() - interval '2 hours' WHERE id = $1`, [id]);
  const counts = async (taskId: number) => {
    const [t] = await store.db.query<{ assigned: number; done: number; n: number }>(
      'SELECT assigned, done, (SELECT count(*)::int FROM annotations WHERE task_id = $1) AS n FROM tasks WHERE id = $1',
      [taskId],
    );
    return t;
  };

  it('a label sent after the assignment expired is stored, once, while the task has a free slot', async () => {
    const { project } = await createDemoProject(store, 'late', join(dir, 'late'), 1, 1, { types: ['ask'] });
    const a = await store.addAnnotator('late-a');
    const b = await store.addAnnotator('late-b');
    const asg = (await store.next(project.id, a.id))!;
    await idle(asg.id);
    expect(await store.releaseStale(3600)).toBe(1);
    expect(await counts(asg.task.id)).toEqual({ assigned: 0, done: 0, n: 0 });
    // The annotator was away, came back and submitted the label on the page still open: kept.
    const late = await store.submit(a.id, asg.id, 'late-sub-a1', { verdict: 'ask', option: 0 });
    expect(late.replayed).toBe(false);
    expect(await counts(asg.task.id)).toEqual({ assigned: 1, done: 1, n: 1 });
    // a retry after a lost response is a replay, a different second label a conflict: one label per assignment
    expect((await store.submit(a.id, asg.id, 'late-sub-a1', { verdict: 'ask', option: 0 })).replayed).toBe(true);
    await expect(store.submit(a.id, asg.id, 'late-sub-a2', { verdict: 'ask', option: 0 })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await counts(asg.task.id)).toEqual({ assigned: 1, done: 1, n: 1 });
    // the task is complete: nobody gets it again, the late annotator neither
    expect(await store.next(project.id, b.id)).toBeNull();
    expect(await store.next(project.id, a.id)).toBeNull();
    expect(await store.releaseStale(0)).toBe(0); // a labelled assignment is never released
  });

  it('a late label is refused, and nothing stored, when other annotators took every slot of the task meanwhile', async () => {
    const { project } = await createDemoProject(store, 'late-full', join(dir, 'late-full'), 1, 2, { types: ['ask'] });
    const [a, b, c] = await Promise.all(['late-full-a', 'late-full-b', 'late-full-c'].map((n) => store.addAnnotator(n)));
    const asg = (await store.next(project.id, a.id))!;
    const bs = (await store.next(project.id, b.id))!;
    await idle(asg.id);
    expect(await store.releaseStale(3600)).toBe(1);
    const cs = (await store.next(project.id, c.id))!; // c takes the slot a left
    expect(cs.task.id).toBe(asg.task.id);
    const late = store.submit(a.id, asg.id, 'late-full-a1', { verdict: 'ask', option: 0 });
    await expect(late).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(late).rejects.toThrow(/expired .* places have since gone to other annotators, so this label was not saved/);
    expect(await store.keep(asg.id, a.id)).toBe('taken');
    await store.submit(b.id, bs.id, 'late-full-b1', { verdict: 'ask', option: 0 });
    await store.submit(c.id, cs.id, 'late-full-c1', { verdict: 'ask', option: 0 });
    expect(await counts(asg.task.id)).toEqual({ assigned: 2, done: 2, n: 2 });
    expect(await store.next(project.id, a.id)).toBeNull(); // it does not come back to do again
  });

  it('activity keeps an assignment: a heartbeat or a reload restarts its time limit; a reload after expiry resumes the same one', async () => {
    const { project } = await createDemoProject(store, 'keep', join(dir, 'keep'), 2, 1, { types: ['ask'] });
    const a = await store.addAnnotator('keep-a');
    const b = await store.addAnnotator('keep-b');
    const asg = (await store.next(project.id, a.id))!;
    await idle(asg.id);
    expect(await store.keep(asg.id, a.id)).toBe('held'); // a heartbeat from the open page
    expect(await store.releaseStale(3600)).toBe(0);
    await idle(asg.id);
    expect((await store.next(project.id, a.id))!.id).toBe(asg.id); // a reload resumes it…
    expect(await store.releaseStale(3600)).toBe(0); // …and counts as activity
    // expired for good: the annotator's next request gives them back the same assignment while there is room
    await idle(asg.id);
    expect(await store.releaseStale(3600)).toBe(1);
    const back = (await store.next(project.id, a.id))!;
    expect(back.id).toBe(asg.id);
    expect(await counts(asg.task.id)).toMatchObject({ assigned: 1, done: 0 });
    // a heartbeat takes a released assignment back the same way
    await idle(asg.id);
    expect(await store.releaseStale(3600)).toBe(1);
    expect(await store.keep(asg.id, a.id)).toBe('held');
    expect(await counts(asg.task.id)).toMatchObject({ assigned: 1, done: 0 });
    await expect(store.keep(asg.id, b.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await store.submit(a.id, asg.id, 'keep-sub-a1', { verdict: 'ask', option: 0 });
    expect(await store.keep(asg.id, a.id)).toBe('labelled');
    expect((await store.next(project.id, b.id))!.task.id).not.toBe(asg.task.id);
  });

  /** How many assignments the annotator holds open (neither released nor labelled). */
  const openOf = async (annotatorId: number) =>
    (
      await store.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM assignments a WHERE a.annotator_id = $1 AND a.released_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM annotations n WHERE n.assignment_id = a.id)`,
        [annotatorId],
      )
    )[0].n;

  it('one annotator asking from many tabs at once gets one assignment in every tab, and its label lands once', async () => {
    const { project } = await createDemoProject(store, 'tabs', join(dir, 'tabs'), 6, 2, { types: ['ask', 'preference'] });
    for (const type of [undefined, 'preference', 'ask'] as const) {
      const who = await store.addAnnotator(`tabs-${type ?? 'any'}`);
      const got = await Promise.all(Array.from({ length: 12 }, () => store.next(project.id, who.id, type)));
      expect(new Set(got.map((a) => a!.id)).size).toBe(1);
      expect(await openOf(who.id)).toBe(1);
      const a = got[0]!;
      const label = a.task.type === 'preference' ? { lessHallucination: 0, moreHelpful: 1 } : { verdict: 'ask', option: 0 };
      const sent = await Promise.allSettled(got.map((g, i) => store.submit(who.id, g!.id, `tabs-${type ?? 'any'}-${i}-sub`, label)));
      expect(sent.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(sent.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(Array(11).fill('CONFLICT'));
      expect((await store.myAnnotations(who.id, project.id)).length).toBe(1);
      expect(await openOf(who.id)).toBe(0);
    }
  });

  it('a heartbeat from a page left on an expired assignment does not give its annotator a second open one', async () => {
    const { project } = await createDemoProject(store, 'two-open', join(dir, 'two-open'), 2, 1, { types: ['ask'] });
    const a = await store.addAnnotator('two-open-a');
    const b = await store.addAnnotator('two-open-b');
    const first = (await store.next(project.id, a.id))!; // tab 1 shows it; a walks away
    await idle(first.id);
    expect(await store.releaseStale(3600)).toBe(1);
    const bs = (await store.next(project.id, b.id))!; // b takes its only place
    expect(bs.task.id).toBe(first.task.id);
    const second = (await store.next(project.id, a.id))!; // a opens a second tab: the other task
    expect(second.task.id).not.toBe(first.task.id);
    await idle(bs.id); // b walks away too: the first task has a free place again
    expect(await store.releaseStale(3600)).toBe(1);
    // tab 1 wakes up: a label from it would be stored, but a holds one open assignment, tab 2's,
    // and tab 1 is told it has moved on
    expect(await store.keep(first.id, a.id)).toBe('elsewhere');
    expect(await openOf(a.id)).toBe(1);
    expect((await store.next(project.id, a.id))!.id).toBe(second.id);
    // tab 1's label lands (once), and tab 2's assignment is still a's
    await store.submit(a.id, first.id, 'two-open-a1', { verdict: 'ask', option: 0 });
    expect(await counts(first.task.id)).toEqual({ assigned: 1, done: 1, n: 1 });
    expect(await store.keep(second.id, a.id)).toBe('held');
    expect(await openOf(a.id)).toBe(1);
    await store.submit(a.id, second.id, 'two-open-a2', { verdict: 'ask', option: 0 });
    expect(await counts(second.task.id)).toEqual({ assigned: 1, done: 1, n: 1 });
  });

  it('a heartbeat does not take an expired task back while its annotator holds one of another type: the untyped `next` (the page\'s) shows them that one', async () => {
    const { project } = await createDemoProject(store, 'two-types', join(dir, 'two-types'), 1, 1, { types: ['rationale', 'preference'] });
    const a = await store.addAnnotator('two-types-a');
    const b = await store.addAnnotator('two-types-b');
    const first = (await store.next(project.id, a.id))!; // tab 1: the rationale task; a walks away
    expect(first.task.type).toBe('rationale');
    await idle(first.id);
    expect(await store.releaseStale(3600)).toBe(1);
    const bs = (await store.next(project.id, b.id))!; // b takes its only place
    expect(bs.task.id).toBe(first.task.id);
    const second = (await store.next(project.id, a.id))!; // tab 2: the preference task
    expect(second.task.type).toBe('preference');
    await idle(bs.id); // b walks away: the rationale task has a free place again
    expect(await store.releaseStale(3600)).toBe(1);
    // The schema would let a hold one open task of each type, but tab 1's heartbeat does not take
    // the first back: a holds tab 2's, which is what a page (asking without a type) is shown.
    expect(await store.keep(first.id, a.id)).toBe('elsewhere');
    expect(await openOf(a.id)).toBe(1);
    expect((await store.next(project.id, a.id))!.id).toBe(second.id);
    // A client asking by type works one queue per type: asked for a rationale task, it gets the first back.
    expect((await store.next(project.id, a.id, 'rationale'))!.id).toBe(first.id);
    expect(await openOf(a.id)).toBe(2);
    expect(await store.keep(first.id, a.id)).toBe('held');
  });

  it('asking for work in another project gives back the task held in the first at once; a label for it is still stored while it has room, and asking there again gives it back', async () => {
    const p1 = (await createDemoProject(store, 'leave-1', join(dir, 'leave-1'), 1, 1, { types: ['ask'] })).project;
    const p2 = (await createDemoProject(store, 'leave-2', join(dir, 'leave-2'), 2, 1, { types: ['ask'] })).project;
    const a = await store.addAnnotator('leave-a');
    const b = await store.addAnnotator('leave-b');
    const held = (await store.next(p1.id, a.id))!;
    expect(await store.next(p1.id, b.id)).toBeNull(); // a holds the only place
    const there = (await store.next(p2.id, a.id))!; // a switches to the second project
    expect(await counts(held.task.id)).toMatchObject({ assigned: 0, done: 0 }); // given back at once, not after the time limit
    expect(await openOf(a.id)).toBe(1);
    // the page a left on the first project is told they moved on, and does not take it back beside the second's
    expect(await store.keep(held.id, a.id)).toBe('elsewhere');
    expect(await openOf(a.id)).toBe(1);
    // a label sent from that page is stored while the task has room (as after expiry)
    await store.submit(a.id, held.id, 'leave-sub-a1', { verdict: 'ask', option: 0 });
    expect(await counts(held.task.id)).toEqual({ assigned: 1, done: 1, n: 1 });
    expect(await store.next(p1.id, b.id)).toBeNull(); // labelled: complete
    // a project that has nothing for them releases too: asking there says they left
    expect(await store.keep(there.id, a.id)).toBe('held');
    expect(await store.next(p1.id, a.id)).toBeNull();
    expect(await counts(there.task.id)).toMatchObject({ assigned: 0, done: 0 });
    // back in the second project: the same assignment while its task has room
    expect((await store.next(p2.id, a.id))!.id).toBe(there.id);
    expect(await counts(there.task.id)).toMatchObject({ assigned: 1, done: 0 });
    // and once another annotator took its place meanwhile, a label for it is refused, nothing stored
    await store.next(p1.id, a.id);
    const bs = (await store.next(p2.id, b.id))!;
    expect(bs.task.id).toBe(there.task.id);
    await expect(store.submit(a.id, there.id, 'leave-sub-a2', { verdict: 'ask', option: 0 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await counts(there.task.id)).toEqual({ assigned: 1, done: 0, n: 0 });
  });

  it('leaving an assignment (the page closed, signed out) gives its place back at once; a repeat, a labelled one and anyone else\'s change nothing', async () => {
    const { project } = await createDemoProject(store, 'leave-page', join(dir, 'leave-page'), 1, 1, { types: ['ask'] });
    const a = await store.addAnnotator('leave-page-a');
    const b = await store.addAnnotator('leave-page-b');
    const held = (await store.next(project.id, a.id))!;
    await expect(store.leave(held.id, b.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await store.next(project.id, b.id)).toBeNull();
    expect(await store.leave(held.id, a.id)).toBe(true);
    expect(await counts(held.task.id)).toMatchObject({ assigned: 0, done: 0 });
    expect(await store.leave(held.id, a.id)).toBe(false); // released already: nothing more given back
    expect(await counts(held.task.id)).toMatchObject({ assigned: 0, done: 0 });
    // a reload after leaving (the page told the server it closed) resumes the same assignment while there is room
    expect((await store.next(project.id, a.id))!.id).toBe(held.id);
    expect(await store.leave(held.id, a.id)).toBe(true);
    const bs = (await store.next(project.id, b.id))!; // another annotator takes it at once
    expect(bs.task.id).toBe(held.task.id);
    await store.submit(b.id, bs.id, 'leave-page-b1', { verdict: 'ask', option: 0 });
    expect(await store.leave(bs.id, b.id)).toBe(false); // labelled: never given back
    expect(await counts(held.task.id)).toEqual({ assigned: 1, done: 1, n: 1 });
    // a replaced token leaves nothing (its tab is refused, as its heartbeat is)
    const c = await store.addAnnotator('leave-page-c');
    const { project: p2 } = await createDemoProject(store, 'leave-page-2', join(dir, 'leave-page-2'), 1, 1, { types: ['ask'] });
    const cs = (await store.next(p2.id, c.id))!;
    await store.newToken('leave-page-c');
    await expect(store.leave(cs.id, c.id, hashToken(c.token))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await counts(cs.task.id)).toMatchObject({ assigned: 1 });
  });

  it('another annotator can neither read nor change a label', async () => {
    const { project } = await createDemoProject(store, 'privacy', join(dir, 'privacy'), 1, 2, { types: ['ask'] });
    const a = await store.addAnnotator('priv-a');
    const b = await store.addAnnotator('priv-b');
    const asg = (await store.next(project.id, a.id))!;
    const { annotation } = await store.submit(a.id, asg.id, 'sub-priv-001', { verdict: 'answer', option: (asg.task.payload as { numInterventions: number }).numInterventions });
    await expect(store.annotation(b.id, annotation.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.update(b.id, annotation.id, { verdict: 'ask', option: 0 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.assignment(asg.id, b.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.submit(b.id, asg.id, 'sub-priv-002', { verdict: 'ask', option: 0 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('SFT and DPO exports load back and match the database row for row', async () => {
    const { project } = await createDemoProject(store, 'export', join(dir, 'export'), 6, 3, { types: ['rationale', 'preference'], k: 4 });
    const people = await Promise.all(['ex-a', 'ex-b', 'ex-c'].map((n) => store.addAnnotator(n)));
    let s = 0;
    for (const p of people) {
      for (let asg = await store.next(project.id, p.id); asg; asg = await store.next(project.id, p.id)) {
        s++;
        const label =
          asg.task.type === 'rationale'
            ? { accepted: [0, 1, 2, 3].filter((i) => (i + s + p.id) % 3 !== 0), ...(s % 5 === 0 ? { own: 'because I can see it' } : {}) }
            : { lessHallucination: s % 2, moreHelpful: (s >> 1) % 2 };
        await store.submit(p.id, asg.id, `sub-export-${s}`, label);
      }
    }
    const sftFile = join(dir, 'sft.jsonl');
    const dpoFile = join(dir, 'dpo.jsonl');
    await writeFile(sftFile, toJsonl(await exportSft(store, project.id)));
    await writeFile(dpoFile, toJsonl(await exportDpo(store, project.id)));
    const sft = (await readFile(sftFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as SftRow);
    const dpo = (await readFile(dpoFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as DpoRow);

    // DPO: one row per preference annotation, chosen = the reply picked as hallucinating less.
    const prefRows = await store.db.query<{ id: number; label: { lessHallucination: number }; payload: PreferencePayload; question: string; image: string }>(
      `SELECT n.id, n.label, t.payload, i.question, i.image FROM annotations n JOIN tasks t ON t.id = n.task_id JOIN items i ON i.id = t.item_id
       WHERE t.project_id = $1 AND t.type = 'preference' ORDER BY t.id, n.annotator_id`,
      [project.id],
    );
    expect(dpo).toHaveLength(prefRows.length);
    expect(prefRows.length).toBe(18);
    prefRows.forEach((r, i) => {
      expect(dpo[i].annotation_ids).toEqual([r.id]);
      expect(dpo[i].chosen[0].content[0]).toEqual({ type: 'text', text: r.payload.replies[r.label.lessHallucination] });
      expect(dpo[i].rejected[0].content[0]).toEqual({ type: 'text', text: r.payload.replies[1 - r.label.lessHallucination] });
      expect(dpo[i].prompt[0].content).toEqual([{ type: 'image' }, { type: 'text', text: r.question }]);
      expect(dpo[i].images[0].endsWith(r.payload.image ?? r.image)).toBe(true);
      expect(r.payload.image).toMatch(/_v1\.png$/); // the clear view the replies describe
      expect(trlDpoImages(dpo[i])).toBe(''); // one image, with the prompt's one placeholder
    });

    // SFT: one row per majority-accepted rationale plus one per written rationale.
    const ratRows = await store.db.query<{ id: number; task_id: number; label: RationaleLabel; payload: RationalePayload }>(
      `SELECT n.id, n.task_id, n.label, t.payload FROM annotations n JOIN tasks t ON t.id = n.task_id WHERE t.project_id = $1 AND t.type = 'rationale' ORDER BY t.id, n.annotator_id`,
      [project.id],
    );
    const expected: string[] = [];
    const byTask = new Map<number, typeof ratRows>();
    for (const r of ratRows) byTask.set(r.task_id, [...(byTask.get(r.task_id) ?? []), r]);
    for (const group of byTask.values()) {
      for (const [, v] of majorityAccepted(group[0].payload, group.map((g) => ({ id: g.id, label: g.label })))) expected.push(`${group[0].payload.answer} ${v.text}`);
      for (const g of group) if (g.label.own) expected.push(`${group[0].payload.answer} ${g.label.own}`);
    }
    expect(sft.map((r) => (r.messages[1].content[0] as { text: string }).text)).toEqual(expected);
    expect(sft.length).toBeGreaterThan(0);
    expect(sft.every((r) => r.messages[0].role === 'user' && r.messages[1].role === 'assistant' && r.images.length === 1)).toBe(true);
  });

  it('a trajectory pair\'s DPO row prefers the play marked more helpful, the one train reward and train dpo read', async () => {
    const suite = join(dir, 'export-pairs');
    await writeSuite(suite, generateSuite({ episodes: 2, seed: 5, kinds: ['sketch'], size: 32, controlShare: 0 }));
    // the workbench's episodes name their views by path (the suite folder is the project's image folder)
    const eps: Episode<string>[] = (await readSuite(suite)).map((ep) => ({ ...ep, views: ep.views.map((v) => (v as { path: string }).path) }));
    // A asks along valid interventions until a view shows enough, then names the object; B guesses wrong at once
    const asker = (ep: Episode<string>) =>
      playEpisode(ep, 'proactive', (t) => {
        const st = ep.steps[t.view];
        const valid = st.offered.find((k) => st.next[k] !== undefined);
        return ep.informative?.[t.view] || valid === undefined ? ep.categories[ep.answer] : ep.interventions[valid];
      });
    const items = eps.map((ep) =>
      pairToItem({
        id: `${ep.id}#pair0`,
        episode: ep,
        a: asker(ep),
        b: playEpisode(ep, 'proactive', (t) => t.options[t.numInterventions + ((ep.answer + 1) % ep.categories.length)]), // guesses wrong
      }),
    );
    expect(eps.map((ep) => asker(ep).views.length)).toEqual([3, 3]); // A's turns are on three views, B's on the first
    const project = await store.createProject('export-pairs', suite, 1, items);
    const p = await store.addAnnotator('ex-pairs');
    // a person who tells the two questions apart: A hallucinates less, B is more helpful (and the other way round)
    const given: { lessHallucination: 0 | 1; moreHelpful: 0 | 1 }[] = [];
    for (let asg = await store.next(project.id, p.id), k = 0; asg; asg = await store.next(project.id, p.id), k++) {
      const label = { lessHallucination: (k % 2) as 0 | 1, moreHelpful: (1 - (k % 2)) as 0 | 1 };
      given.push(label);
      await store.submit(p.id, asg.id, `sub-export-pairs-${k}`, label);
    }
    expect(given).toHaveLength(2);
    const dpo = await exportDpo(store, project.id);
    const trained = await readLabelledPairs(store, project);
    expect(dpo).toHaveLength(2);
    dpo.forEach((row, i) => {
      const pair = trained.find((t) => row.annotation_ids[0] === t.annotationId)!;
      const payload = items.find((it) => it.externalId === pair.pair.id)!.tasks[0].payload as PreferencePayload;
      expect(row.chosen[0].content[0]).toEqual({ type: 'text', text: viewTranscript(payload.turns![pair.preferred]) });
      expect(row.rejected[0].content[0]).toEqual({ type: 'text', text: viewTranscript(payload.turns![1 - pair.preferred]) });
      expect(payload.replies[0]).not.toBe(payload.replies[1]);
      expect(pair.preferred).toBe(given[i].moreHelpful);
      // every view the text names is in the row, in the order of the prompt's placeholders (TRL fills them from images
      // in order): it carried the first view alone under text about turns on the second
      expect(row.images.map((f) => f.slice(suite.length + 1))).toEqual(payload.views);
      expect(row.images).toHaveLength(3);
      // TRL's shape: as many images as the prompt's placeholders, none in the completions (TRL v1.9.0 reads images with
      // the prompt only), though the completions name the views; refused as TRL refuses it when a view moves to chosen
      expect(trlDpoImages(row)).toBe('');
      expect(trlDpoImages({ ...row, prompt: [{ ...row.prompt[0], content: row.prompt[0].content.slice(2) }], chosen: [{ ...row.chosen[0], content: [{ type: 'image' }, ...row.chosen[0].content] }] })).toBe('prompt: 2 placeholders, 3 images');
      expect(trlDpoImages({ ...row, chosen: [{ ...row.chosen[0], content: [{ type: 'image' }, ...row.chosen[0].content] }] })).toBe('chosen: 1 placeholders, no images');
      expect(row.prompt).toEqual([{ role: 'user', content: [1, 2, 3].flatMap((k) => [{ type: 'text', text: `View ${k}:` }, { type: 'image' }]).concat([{ type: 'text', text: pair.pair.episode.question }]) }]);
      const named = [row.chosen, row.rejected].flatMap((m) => [...(m[0].content[0] as { text: string }).text.matchAll(/\(view (\d+)\)/g)].map((x) => Number(x[1])));
      expect(new Set(named)).toEqual(new Set([1, 2, 3]));
      expect((row.chosen[0].content[0] as { text: string }).text).toMatch(/^1\. \(view \d\) /);
    });
    // an item whose task kept no views (stored before tasks did): the same rows, made again from the pair it holds
    const bare = items.map((it) => ({ ...it, tasks: it.tasks.map((t) => ({ ...t, payload: { ...(t.payload as PreferencePayload), views: undefined, turns: undefined } })) }));
    const old = await store.createProject('export-pairs-bare', suite, 1, bare);
    for (let asg = await store.next(old.id, p.id), k = 0; asg; asg = await store.next(old.id, p.id), k++) await store.submit(p.id, asg.id, `sub-export-pairs-bare-${k}`, given[k]);
    const strip = (r: DpoRow) => ({ ...r, id: '', annotation_ids: [] });
    expect((await exportDpo(store, old.id)).map(strip)).toEqual(dpo.map(strip));
  });
});
