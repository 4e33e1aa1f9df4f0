/**
 * The feedback store on a real PostgreSQL server (Debian's `postgresql` package, a throwaway
 * cluster), where requests run side by side on separate connections — what PGlite's one
 * connection never shows:
 *   - the stale-assignment sweeper (`releaseStale`) racing a label being submitted for that very
 *     assignment must not release it under the label nor leave the counts wrong;
 *   - a late label for a released assignment racing another annotator's claim of the freed slot:
 *     exactly one of them gets it, and the task never holds more labels than it needs;
 *   - several servers starting at once on a new database all open it (migrations run once);
 *   - `askfirst feedback annotator NAME --revoke` from another process, while the annotator's tabs
 *     ask for work: the server refuses the token within its login cache bound, and no claim racing
 *     the revocation leaves them a task held;
 *   - `--new-token` committing while a label sent with the old token waits on it: the label is refused;
 *   - an annotator leaving a project (asking for work in another, from another tab) while a label, a
 *     heartbeat and other annotators' claims of the last free place race it: they hold one task at
 *     most, the label is kept, a place goes to one annotator only, and the counts stay right.
 */
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { openDb } from '../src/feedback/db.js';
import { createDemoProject } from '../src/feedback/importer.js';
import { FeedbackStore } from '../src/feedback/store.js';
import { AUTH_CACHE_MS, createApp } from '../src/server/workbench/app.js';
import { OraclePolicy } from '../src/agents/baselines/oracle.js';
import { tmpDir } from '../src/testing/tmp.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { postgresBin, requireDep } from '../src/testing/system-deps.js';

const bin = postgresBin();
const skip = requireDep(bin !== null, 'PostgreSQL server binaries (/usr/lib/postgresql/*/bin)');

/** The backends waiting on a lock that `blocker` (a pg_backend_pid()) holds. */
async function waitingOn(c: pg.Client, blocker: number): Promise<number[]> {
  const r = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [blocker]);
  return r.rows.map((x) => x.pid);
}

/** Polls `f` until it returns a value, or throws `what` after `ms`. */
async function until<T>(f: () => Promise<T | null>, what: string, ms = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== null) return v;
    if (Date.now() - t0 > ms) throw new Error(what);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** Waits until `work` has finished or a backend other than `except` is blocked on a lock (the statement under test waits). */
async function untilBlockedOrDone(c: pg.Client, work: Promise<unknown>, except: number[], ms = 10_000): Promise<void> {
  let done = false;
  void work.then(
    () => (done = true),
    () => (done = true),
  );
  await until(async () => {
    if (done) return true;
    const r = await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND NOT (pid = ANY($1::int[]))`, [except]);
    return r.rows[0].n > 0 ? true : null;
  }, 'the statement neither finished nor blocked on a lock', ms);
}

describe.skipIf(!!skip)('feedback store on PostgreSQL', () => {
  it('releasing stale assignments while a label for one of them commits keeps the label', { timeout: 120_000 }, async () => {
    const server: TestPostgres = await startPostgres(bin!);
    onTestFinished(() => server.stop());
    const store = await FeedbackStore.open(await openDb({ url: server.url }));
    onTestFinished(() => store.close());
    const { project } = await createDemoProject(store, 'race', join(tmpDir('af-pg-race'), 'images'), 1, 2, { types: ['preference'] });
    // Two annotators hold the task's two slots; the slow one's assignment is past the TTL.
    const other = await store.addAnnotator('other');
    expect(await store.next(project.id, other.id)).not.toBeNull();
    const who = await store.addAnnotator('slow');
    const a = await store.next(project.id, who.id);
    expect(a).not.toBeNull();
    // the annotator took more than the TTL over it, without a sign of activity
    await store.db.query(`UPDATE assignments SET seen_at = now() - interval '2 hours' WHERE id = $1`, [a!.id]);

    // The store's own submit, paused while it writes the label: a second connection holds the
    // annotator's row (FOR UPDATE), so the label's foreign-key check on it waits — after submit has
    // locked the assignment and inserted the annotation, before its transaction commits. The
    // sweeper runs in that gap, then the label is let through.
    const watch = new pg.Client({ connectionString: server.url });
    await watch.connect();
    onTestFinished(() => watch.end());
    const blocker = new pg.Client({ connectionString: server.url });
    await blocker.connect();
    onTestFinished(() => blocker.end());
    const blockerPid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM annotators WHERE id = $1 FOR UPDATE', [who.id]);
    const submitted = store.submit(who.id, a!.id, 'race-submission-1', { lessHallucination: 0, moreHelpful: 0 });
    submitted.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
    const submitPids = await until(async () => {
      const w = await waitingOn(watch, blockerPid);
      return w.length ? w : null;
    }, 'submit did not reach the label (it never waited on the annotator row): the test no longer pauses it where the label is written');
    // paused with the assignment locked, as the sweeper will find it
    await expect(watch.query('SELECT 1 FROM assignments WHERE id = $1 FOR UPDATE NOWAIT', [a!.id])).rejects.toMatchObject({ code: '55P03' });

    const released = store.releaseStale(3600);
    await untilBlockedOrDone(watch, released, submitPids);
    await blocker.query('COMMIT');
    await submitted;
    const n = await released;

    const labels = await store.labelled(project.id, 'preference');
    expect(labels.map((l) => l.annotation.submissionId)).toEqual(['race-submission-1']); // the label is kept
    expect(n).toBe(0); // the sweeper found it being labelled: nothing stale to release
    const [task] = await store.tasks(project.id);
    expect({ assigned: task.assigned, done: task.done }).toEqual({ assigned: 2, done: 1 });

    // an unlabelled stale assignment is still given back
    await store.db.query(`UPDATE assignments SET seen_at = now() - interval '2 hours'`);
    expect(await store.releaseStale(3600)).toBe(1);
    const [after] = await store.tasks(project.id);
    expect({ assigned: after.assigned, done: after.done }).toEqual({ assigned: 1, done: 1 });
  });

  it('a late label and another annotator taking the freed slot race: exactly one gets it, the counts stay right', { timeout: 120_000 }, async () => {
    const server: TestPostgres = await startPostgres(bin!);
    onTestFinished(() => server.stop());
    const store = await FeedbackStore.open(await openDb({ url: server.url }));
    onTestFinished(() => store.close());
    const ROUNDS = 12;
    const { project } = await createDemoProject(store, 'late', join(tmpDir('af-pg-late'), 'images'), ROUNDS, 1, { types: ['ask'] });
    const late = await store.addAnnotator('late');
    let stored = 0;
    for (let k = 0; k < ROUNDS; k++) {
      const a = (await store.next(project.id, late.id))!;
      await store.db.query(`UPDATE assignments SET seen_at = now() - interval '2 hours' WHERE id = $1`, [a.id]);
      // the sweeper, another annotator's claim of the freed slot and the late label, side by side
      const other = await store.addAnnotator(`other-${k}`);
      // (started a few milliseconds apart, in an order that changes from round to round, so each can win)
      const after = <T>(ms: number, f: () => Promise<T>) => new Promise<T>((res, rej) => setTimeout(() => f().then(res, rej), ms));
      const [, claimed, label] = await Promise.allSettled([
        store.releaseStale(3600),
        after(((k + 2) % 4) * 8, () => store.next(project.id, other.id, 'ask')),
        after((k % 4) * 8, () => store.submit(late.id, a.id, `late-sub-${k}`, { verdict: 'ask', option: 0 })),
      ]);
      if (claimed.status === 'rejected') throw claimed.reason;
      const mine = label.status === 'fulfilled';
      if (!mine) expect(String(label.reason)).toMatch(/expired .* place has since gone to other annotators/);
      stored += mine ? 1 : 0;
      const got = claimed.value?.task.id === a.task.id;
      expect(mine && got, `round ${k}: the late label was stored and the slot given to another annotator`).toBe(false);
      const [t] = await store.db.query<{ assigned: number; done: number; n: number; held: number }>(
        `SELECT assigned, done, (SELECT count(*)::int FROM annotations WHERE task_id = $1) AS n,
                (SELECT count(*)::int FROM assignments WHERE task_id = $1 AND released_at IS NULL) AS held FROM tasks WHERE id = $1`,
        [a.task.id],
      );
      expect(t.n).toBe(mine ? 1 : 0);
      expect({ assigned: t.assigned, done: t.done }).toEqual({ assigned: t.held, done: t.n });
      expect(t.assigned).toBeLessThanOrEqual(1);
      // whoever holds it now: its other open assignment (a task of a later round) goes back, so rounds stay independent
      if (claimed.value && !got) await store.releaseOpenOf(project.id, 'other-');
      if (got) await store.submit(other.id, claimed.value!.id, `other-sub-${k}`, { verdict: 'ask', option: 0 });
    }
    console.log(`[postgres late-label race] ${stored} of ${ROUNDS} late labels stored, the rest refused (their slot went to another annotator)`);
  });

  it('one annotator asking for work from many tabs at once holds one open assignment, and every tab shows it', { timeout: 120_000 }, async () => {
    const server: TestPostgres = await startPostgres(bin!);
    onTestFinished(() => server.stop());
    const store = await FeedbackStore.open(await openDb({ url: server.url }));
    onTestFinished(() => store.close());
    // tasks of every type, interleaved item by item: untyped requests racing could take tasks of different types
    const { project } = await createDemoProject(store, 'tabs', join(tmpDir('af-pg-tabs'), 'images'), 8, 2, { types: ['ask', 'preference', 'rationale'] });
    const TABS = 10;
    const openOf = async (id: number) =>
      (await store.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM assignments a WHERE a.annotator_id = $1 AND a.released_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM annotations n WHERE n.assignment_id = a.id)`,
        [id],
      ))[0].n;
    for (let round = 0; round < 6; round++) {
      const who = await store.addAnnotator(`tabs-${round}`);
      const type = round % 2 ? 'preference' : undefined; // the page asks for any type; simulated annotators for one
      const got = await Promise.all(Array.from({ length: TABS }, () => store.next(project.id, who.id, type)));
      expect(new Set(got.map((a) => a?.id)).size, `round ${round}: the tabs got different assignments`).toBe(1);
      expect(await openOf(who.id)).toBe(1);
      // a label sent from every tab (each with its own submission id) lands once
      const a = got[0]!;
      const label =
        a.task.type === 'preference' ? { lessHallucination: 0, moreHelpful: 0 } : a.task.type === 'ask' ? { verdict: 'ask', option: 0 } : { accepted: [0] };
      const sent = await Promise.allSettled(got.map((g, i) => store.submit(who.id, g!.id, `tabs-${round}-${i}-submission`, label)));
      expect(sent.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      for (const s of sent) if (s.status === 'rejected') expect(s.reason).toMatchObject({ code: 'CONFLICT' });
      const [t] = await store.db.query<{ n: number; done: number }>(
        'SELECT done, (SELECT count(*)::int FROM annotations WHERE annotator_id = $2) AS n FROM tasks WHERE id = $1',
        [a.task.id, who.id],
      );
      expect(t.n).toBe(1);
      expect(t.done).toBe(a.task.done + 1);
      expect(await openOf(who.id)).toBe(0);
    }
  });

  it('a revocation from another process while the annotator asks for work: 401 within the bound, nothing left held, counts right', { timeout: 120_000 }, async () => {
    const server: TestPostgres = await startPostgres(bin!);
    onTestFinished(() => server.stop());
    const store = await FeedbackStore.open(await openDb({ url: server.url })); // the workbench's
    onTestFinished(() => store.close());
    const cli = await FeedbackStore.open(await openDb({ url: server.url })); // the CLI's, its own connections
    onTestFinished(() => cli.close());
    const { project } = await createDemoProject(store, 'revoke', join(tmpDir('af-pg-revoke'), 'images'), 6, 1, { types: ['ask', 'preference'] });
    const app = createApp({ store, playPolicy: async (ep) => new OraclePolicy([ep]), log: () => undefined });
    const who = await cli.addAnnotator('leaver');
    const me = (t: string) => app.request('/api/me', { headers: { authorization: `Bearer ${t}` } });
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => void vi.useRealTimers());
    const t0 = Date.now();
    expect((await me(who.token)).status).toBe(200); // signed in: cached
    const held = (await store.next(project.id, who.id, 'ask'))!;
    await store.submit(who.id, held.id, 'revoke-pg-sub-1', { verdict: 'ask', option: 0 });
    const open = (await store.next(project.id, who.id, 'ask'))!; // held when the revocation comes
    // ten tabs ask for work (of either type) while the CLI revokes
    const tabs = Array.from({ length: 10 }, (_, i) => store.next(project.id, who.id, i % 2 ? 'ask' : 'preference').catch((e: unknown) => e));
    // and five play steps or heartbeats keep the open one: each before the revocation (held) or after it (401), never a 'taken'
    const keeps = Array.from({ length: 5 }, () => store.keep(open.id, who.id).catch((e: unknown) => e));
    const revoked = cli.revokeAnnotator('leaver');
    await Promise.all([...tabs, ...keeps, revoked]);
    for (const k of await Promise.all(keeps)) expect(k === 'held' || (k as { code?: string }).code === 'UNAUTHORIZED', String(k)).toBe(true);
    const rows = await cli.db.query<{ n: number }>('SELECT count(*)::int AS n FROM assignments WHERE annotator_id = $1 AND released_at IS NULL AND NOT labelled', [who.id]);
    expect(rows[0].n).toBe(0); // whatever a tab took before the revocation went back; none took one after
    await expect(store.next(project.id, who.id)).rejects.toMatchObject({ code: 'UNAUTHORIZED' }); // not "all done"
    const tasks = await cli.tasks(project.id);
    expect(tasks.reduce((s, t) => s + t.assigned, 0)).toBe(1); // only the labelled one's slot
    expect((await cli.labelled(project.id, 'ask')).map((l) => l.annotation.submissionId)).toEqual(['revoke-pg-sub-1']);
    // a label sent inside the login cache for an assignment released by the revocation, though its task has room: refused, nothing stored
    const late = await app.request(`/api/assignments/${open.id}/annotation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ submissionId: 'revoke-pg-sub-2', label: { verdict: 'ask', option: 0 } }),
    });
    expect(late.status).toBe(401);
    expect(((await late.json()) as { error: { message: string } }).error.message).toMatch(/your token was revoked, so this label was not saved/);
    expect((await cli.labelled(project.id, 'ask')).map((l) => l.annotation.submissionId)).toEqual(['revoke-pg-sub-1']);
    // a play step (or heartbeat) for it is refused the same way, and takes nothing back
    const kept = await app.request(`/api/assignments/${open.id}/heartbeat`, { method: 'POST', headers: { authorization: `Bearer ${who.token}` } });
    expect(kept.status).toBe(401);
    expect((await cli.tasks(project.id)).reduce((s, t) => s + t.assigned, 0)).toBe(1);
    vi.setSystemTime(t0 + AUTH_CACHE_MS);
    expect((await me(who.token)).status).toBe(401);
  });

  it('a token replaced from another process while a label with it waits on the swap: the label is refused (401), not let in by the login cache', { timeout: 120_000 }, async () => {
    const server: TestPostgres = await startPostgres(bin!);
    onTestFinished(() => server.stop());
    const store = await FeedbackStore.open(await openDb({ url: server.url })); // the workbench's
    onTestFinished(() => store.close());
    const { project } = await createDemoProject(store, 'replace', join(tmpDir('af-pg-replace'), 'images'), 2, 1, { types: ['ask'] });
    const app = createApp({ store, playPolicy: async (ep) => new OraclePolicy([ep]), log: () => undefined });
    const who = await store.addAnnotator('swapper');
    const post = (path: string, body: unknown) =>
      app.request(path, { method: 'POST', headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const a = (await store.next(project.id, who.id))!;
    expect((await post(`/api/assignments/${a.id}/heartbeat`, {})).status).toBe(200); // signed in: cached
    // The CLI's --new-token, paused inside its transaction: the row holds the new hash, not yet committed.
    const watch = new pg.Client({ connectionString: server.url });
    await watch.connect();
    onTestFinished(() => watch.end());
    const cli = new pg.Client({ connectionString: server.url });
    await cli.connect();
    onTestFinished(() => cli.end());
    const cliPid = (await cli.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await cli.query('BEGIN');
    await cli.query("SELECT 1 FROM annotators WHERE id = $1 FOR NO KEY UPDATE", [who.id]);
    await cli.query("UPDATE annotators SET token_hash = repeat('0', 64) WHERE id = $1", [who.id]);
    const label = post(`/api/assignments/${a.id}/annotation`, { submissionId: 'replace-pg-sub-1', label: { verdict: 'ask', option: 0 } });
    await until(async () => ((await waitingOn(watch, cliPid)).length ? true : null), "the label never waited on the annotator's row: the store no longer reads it FOR SHARE");
    await cli.query('COMMIT');
    const r = await label;
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/your token was replaced by a new one, so this label was not saved/);
    expect(await store.labelled(project.id, 'ask')).toEqual([]);
    // a heartbeat (or play step) with it after the swap: refused too, though the login cache still has the token
    expect((await post(`/api/assignments/${a.id}/heartbeat`, {})).status).toBe(401);
  });

  it('leaving a project while a label, a heartbeat, another tab and others claiming the last place race it: one task held, the label kept, one taker, counts right', { timeout: 120_000 }, async () => {
    const server: TestPostgres = await startPostgres(bin!);
    onTestFinished(() => server.stop());
    const store = await FeedbackStore.open(await openDb({ url: server.url }));
    onTestFinished(() => store.close());
    const ROUNDS = 8;
    const images = tmpDir('af-pg-leave');
    // P1: one place per task (the last free place is the only one); P2: where the annotator goes
    const p1 = (await createDemoProject(store, 'leave-1', join(images, '1'), 2 * ROUNDS, 1, { types: ['ask'] })).project;
    const p2 = (await createDemoProject(store, 'leave-2', join(images, '2'), 2 * ROUNDS, 1, { types: ['ask'] })).project;
    /** Every task's counts agree with its rows, and no task holds more places than it needs. */
    const countsRight = async (round: number) => {
      const bad = await store.db.query(
        `SELECT t.id, t.assigned, t.done, t.needed,
                (SELECT count(*)::int FROM assignments a WHERE a.task_id = t.id AND a.released_at IS NULL) AS held,
                (SELECT count(*)::int FROM annotations n WHERE n.task_id = t.id) AS labels
         FROM tasks t WHERE t.assigned <> (SELECT count(*) FROM assignments a WHERE a.task_id = t.id AND a.released_at IS NULL)
            OR t.done <> (SELECT count(*) FROM annotations n WHERE n.task_id = t.id) OR t.assigned > t.needed`,
      );
      expect(bad, `round ${round}: counts disagree with the rows`).toEqual([]);
    };
    const openOf = async (id: number) =>
      (await store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM assignments WHERE annotator_id = $1 AND released_at IS NULL AND NOT labelled', [id]))[0].n;
    const after = <T>(ms: number, f: () => Promise<T>) => new Promise<T>((res, rej) => setTimeout(() => f().then(res, rej), ms));
    let labelsKept = 0;
    let placesToOthers = 0;
    for (let k = 0; k < ROUNDS; k++) {
      const who = await store.addAnnotator(`leaver-${k}`);
      const [b, c] = [await store.addAnnotator(`taker-b-${k}`), await store.addAnnotator(`taker-c-${k}`)];
      // Race 1: a label for the task held in P1, a heartbeat from its page, the annotator's other tab asking in P2 and
      // again in P1 (started a few ms apart, in an order that changes by round, so each can come first)
      const x = (await store.next(p1.id, who.id))!;
      const d = (i: number) => ((k + i) % 4) * 6;
      const [label, beat, inP2, inP1] = await Promise.allSettled([
        after(d(0), () => store.submit(who.id, x.id, `leave-pg-${k}`, { verdict: 'ask', option: 0 })),
        after(d(1), () => store.keep(x.id, who.id)),
        after(d(2), () => store.next(p2.id, who.id)),
        after(d(3), () => store.next(p1.id, who.id)),
      ]);
      for (const r of [beat, inP2, inP1]) if (r.status === 'rejected') throw r.reason;
      // nobody else wants the task: the label is stored whether it came before or after the leaving released it
      expect(label.status, `round ${k}: ${label.status === 'rejected' ? String(label.reason) : ''}`).toBe('fulfilled');
      labelsKept++;
      expect(await openOf(who.id), `round ${k}: the annotator holds more than one task`).toBeLessThanOrEqual(1);
      await countsRight(k);
      // Race 2: they hold the last free place of a P1 task and leave for P2 while two others ask in P1
      const held = (await store.next(p1.id, who.id))!;
      const [left, gotB, gotC] = await Promise.allSettled([
        after(d(0), () => store.next(p2.id, who.id)),
        after(d(1), () => store.next(p1.id, b.id)),
        after(d(2), () => store.next(p1.id, c.id)),
      ]);
      for (const r of [left, gotB, gotC]) if (r.status === 'rejected') throw r.reason;
      const takers = [gotB, gotC].filter((r) => (r as PromiseFulfilledResult<{ task: { id: number } } | null>).value?.task.id === held.task.id).length;
      expect(takers, `round ${k}: the place went to two annotators`).toBeLessThanOrEqual(1);
      placesToOthers += takers;
      expect(await openOf(who.id)).toBeLessThanOrEqual(1);
      await countsRight(k);
      // after the race the place the annotator left is free or taken by one of them, never still theirs
      const [t] = await store.tasks(p1.id).then((ts) => ts.filter((q) => q.id === held.task.id));
      expect(t.assigned).toBe(takers);
      // the round's tasks go back, so rounds stay independent
      for (const name of [`leaver-${k}`, `taker-b-${k}`, `taker-c-${k}`]) await store.releaseOpenOf(p1.id, name);
      await store.releaseOpenOf(p2.id, `leaver-${k}`);
      await countsRight(k);
    }
    console.log(`[postgres leave race] ${labelsKept} of ${ROUNDS} labels kept; ${placesToOthers} of ${ROUNDS} left places taken by another annotator in the race`);
  });

  it('several stores opening a new database at once all open it, and each migration is applied once', { timeout: 120_000 }, async () => {
    const server: TestPostgres = await startPostgres(bin!);
    onTestFinished(() => server.stop());
    const dbs = await Promise.all(Array.from({ length: 8 }, () => openDb({ url: server.url })));
    for (const db of dbs) onTestFinished(() => db.close());
    const opened = await Promise.allSettled(dbs.map((db) => FeedbackStore.open(db))); // migrations, side by side
    expect(opened.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []))).toEqual([]);
    const store = (opened[0] as PromiseFulfilledResult<FeedbackStore>).value;
    const versions = await store.db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
  });
});
