import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { openDb } from './db.js';
import { migrate, MIGRATIONS } from './migrations.js';
import { FeedbackStore } from './store.js';

describe('migrations on an existing database', () => {
  it('apply the missing ones to a database an older askfirst made, once', async () => {
    const db = await openDb();
    try {
      expect(await migrate(db, MIGRATIONS.slice(0, 1))).toEqual([1]);
      expect(await migrate(db, MIGRATIONS.slice(0, 2))).toEqual([2]);
      // an open assignment of a version-2 database: its activity time starts as its creation time, and it holds its slot
      await db.exec(`INSERT INTO projects (name, image_dir, labels_per_item) VALUES ('p', '/x', 1);
        INSERT INTO items (project_id, external_id, image, question) VALUES (1, 'i', 'i.png', 'q');
        INSERT INTO tasks (project_id, item_id, type, needed, assigned) VALUES (1, 1, 'ask', 1, 1);
        INSERT INTO annotators (name, token_hash) VALUES ('a', 'h');
        INSERT INTO assignments (task_id, annotator_id, created_at) VALUES (1, 1, now() - interval '3 hours')`);
      expect(await migrate(db, MIGRATIONS.slice(0, 3))).toEqual([3]);
      const [a] = await db.query<{ same: boolean; released_at: unknown }>('SELECT seen_at = created_at AS same, released_at FROM assignments');
      expect(a).toEqual({ same: true, released_at: null });
      expect(await migrate(db, MIGRATIONS.slice(0, 3))).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('version 4: of the open assignments a version-3 database let one annotator hold side by side, the oldest stays; a late label for the others still lands', async () => {
    const store = new FeedbackStore(await openDb());
    const db = store.db;
    try {
      expect(await migrate(db, MIGRATIONS.slice(0, 3))).toEqual([1, 2, 3]);
      // annotator 1 in two tabs raced: it holds tasks 1 and 2 (both 'ask'), and task 3 ('preference');
      // it labelled task 4, and its assignment of task 5 expired; annotator 2 holds task 2's other slot
      await db.exec(`INSERT INTO projects (name, image_dir, labels_per_item) VALUES ('p', '/x', 2);
        INSERT INTO items (project_id, external_id, image, question) SELECT 1, 'i' || g, 'i.png', 'q' FROM generate_series(1, 5) g;
        INSERT INTO tasks (project_id, item_id, type, needed, assigned, done) VALUES
          (1, 1, 'ask', 2, 1, 0), (1, 2, 'ask', 2, 2, 0), (1, 3, 'preference', 2, 1, 0), (1, 4, 'ask', 2, 1, 1), (1, 5, 'ask', 2, 0, 0);
        INSERT INTO annotators (name, token_hash) VALUES ('a', 'h'), ('b', 'h2');
        INSERT INTO assignments (task_id, annotator_id) VALUES (1, 1), (2, 1), (3, 1), (4, 1), (2, 2);
        INSERT INTO assignments (task_id, annotator_id, released_at) VALUES (5, 1, now());
        INSERT INTO annotations (assignment_id, task_id, annotator_id, submission_id, label) VALUES (4, 4, 1, 'sub-old-0001', '{"verdict":"ask","option":0}');
        UPDATE tasks SET payload = '{"options":["zoom out","cat","dog"],"numInterventions":1,"reply":"cat"}' WHERE type = 'ask'`);
      expect(await migrate(db)).toEqual([4, 5]); // (5 as well: the store below reads its column)
      const rows = await db.query<{ id: number; project_id: number; type: string; labelled: boolean; released: boolean }>(
        'SELECT id, project_id, type, labelled, released_at IS NOT NULL AS released FROM assignments ORDER BY id',
      );
      expect(rows).toEqual([
        { id: 1, project_id: 1, type: 'ask', labelled: false, released: false }, // the oldest stays open
        { id: 2, project_id: 1, type: 'ask', labelled: false, released: true }, // the second 'ask' is released
        { id: 3, project_id: 1, type: 'preference', labelled: false, released: false }, // another type: its own
        { id: 4, project_id: 1, type: 'ask', labelled: true, released: false },
        { id: 5, project_id: 1, type: 'ask', labelled: false, released: false }, // annotator 2's
        { id: 6, project_id: 1, type: 'ask', labelled: false, released: true },
      ]);
      expect((await store.tasks(1)).map((t) => t.assigned)).toEqual([1, 1, 1, 1, 0]); // task 2's slot went back
      // the database now refuses a second open assignment of a type, whoever writes it
      await expect(db.query('UPDATE assignments SET released_at = NULL WHERE id = 2')).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(db.query(`INSERT INTO assignments (task_id, annotator_id, project_id, type) VALUES (5, 2, 1, 'ask')`)).rejects.toMatchObject({ code: 'CONFLICT' });
      // …and copies of the task's project and type that are not the task's
      await expect(db.query(`INSERT INTO assignments (task_id, annotator_id, project_id, type) VALUES (1, 2, 1, 'play')`)).rejects.toMatchObject({ code: 'BAD_INPUT' });
      // the page in the second tab still stores its label: the task has a free place
      const late = await store.submit(1, 2, 'sub-late-0001', { verdict: 'ask', option: 0 });
      expect(late.replayed).toBe(false);
      expect((await store.tasks(1))[1]).toMatchObject({ assigned: 2, done: 1 });
      // the first tab's assignment is the one the annotator resumes
      expect((await store.next(1, 1, 'ask'))!.id).toBe(1);
      expect(await migrate(db)).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('version 5: annotators of a version-4 database keep signing in, with their labels, until revoked', async () => {
    const store = new FeedbackStore(await openDb());
    const db = store.db;
    try {
      expect(await migrate(db, MIGRATIONS.slice(0, 4))).toEqual([1, 2, 3, 4]);
      const a = await store.addAnnotator('old-a'); // written by version 4's columns only
      await db.exec(`INSERT INTO projects (name, image_dir, labels_per_item) VALUES ('p', '/x', 1);
        INSERT INTO items (project_id, external_id, image, question) VALUES (1, 'i', 'i.png', 'q');
        INSERT INTO tasks (project_id, item_id, type, needed, assigned, done) VALUES (1, 1, 'ask', 1, 1, 1);
        INSERT INTO assignments (task_id, annotator_id, project_id, type, labelled) VALUES (1, ${a.id}, 1, 'ask', true);
        INSERT INTO annotations (assignment_id, task_id, annotator_id, submission_id, label) VALUES (1, 1, ${a.id}, 'sub-old-0005', '{"verdict":"ask","option":0}')`);
      expect(await migrate(db)).toEqual([5]);
      expect(await store.authenticate(a.token)).toEqual({ id: a.id, name: 'old-a' });
      expect(await store.annotators()).toMatchObject([{ id: a.id, name: 'old-a', labels: 1, open: 0, revokedAt: null }]);
      await store.revokeAnnotator('old-a');
      expect(await store.authenticate(a.token)).toBeNull();
      expect(await migrate(db)).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('refuse a database a newer askfirst migrated further, before writing anything', async () => {
    const dataDir = tmpDir('af-mig-newer');
    const db = await openDb({ dataDir });
    await migrate(db);
    await db.query("INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')");
    await db.close();
    const newer = `the feedback database has schema version 99, newer than this askfirst's 5: upgrade askfirst to use it (or use another database)`;
    await expect(FeedbackStore.open(await openDb({ dataDir }))).rejects.toThrow(newer);
    // the failed open closed the database and released its lock: the same command says the same
    await expect(FeedbackStore.open(await openDb({ dataDir }))).rejects.toThrow(newer);
  });

  it("refuse a database that is not a feedback database (another application's tables), saying what to give", async () => {
    const db = await openDb();
    await db.exec('CREATE TABLE projects (id serial PRIMARY KEY, title text)');
    await expect(FeedbackStore.open(db)).rejects.toThrow(
      `the database already holds relation "projects", which askfirst's schema (migration 1, core tables) would create: it is not a feedback database. Give an empty database (DATABASE_URL) or a new --db-dir`,
    );
  });
});
