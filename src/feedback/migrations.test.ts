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
      expect(await migrate(db)).toEqual([3]);
      const [a] = await db.query<{ same: boolean; released_at: unknown }>('SELECT seen_at = created_at AS same, released_at FROM assignments');
      expect(a).toEqual({ same: true, released_at: null });
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
    const newer = `the feedback database has schema version 99, newer than this askfirst's 3: upgrade askfirst to use it (or use another database)`;
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
