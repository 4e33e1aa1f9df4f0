/**
 * The feedback database schema as ordered migrations (the same SQL on PGlite and PostgreSQL).
 * `migrate()` records each applied version in `schema_migrations` and applies the missing ones
 * in order, each in its own transaction under an advisory lock, so two servers starting at once
 * cannot apply a migration twice. Never edit an applied migration: append a new one. A database
 * migrated further by a newer askfirst, or one holding another application's tables, is refused.
 *
 * Invariants the schema enforces (so no label is lost or double-counted even if code is wrong):
 * - one assignment per (task, annotator); one annotation per assignment and per (task, annotator);
 * - a client-chosen `submission_id` is unique, so a retried submit cannot insert twice;
 * - a task is never assigned to more annotators than it needs (CHECK assigned <= needed);
 * - an annotator holds at most one open assignment (neither released nor labelled) per project
 *   and task type (a partial unique index; the type because `next` can ask for one type), so
 *   two tabs, or two requests racing, cannot each take a task.
 * An assignment that stayed open too long is released (`released_at` set, its slot given back),
 * not deleted: a label its annotator sends later can still be stored while the task has a free
 * slot (store.ts, `submit`). `seen_at` is the annotator's last sign of activity on it; the time
 * limit counts from there. A revoked annotator (`annotators.revoked_at` set, migration 5) signs in
 * no more; revoking releases their open assignments in the same transaction.
 */
import { AskfirstError, describeError } from '../util/errors.js';
import type { Db } from './db.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'core tables',
    sql: `
CREATE TABLE projects (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  image_dir text NOT NULL,
  labels_per_item integer NOT NULL CHECK (labels_per_item >= 1),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE annotators (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE items (
  id serial PRIMARY KEY,
  project_id integer NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  external_id text NOT NULL,
  image text NOT NULL,
  question text NOT NULL,
  model_output text NOT NULL DEFAULT '',
  facts jsonb NOT NULL DEFAULT '[]',
  meta jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, external_id)
);
CREATE TABLE tasks (
  id serial PRIMARY KEY,
  project_id integer NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  item_id integer NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  type text NOT NULL CHECK (type IN ('rationale', 'ask', 'preference', 'play')),
  payload jsonb NOT NULL DEFAULT '{}',
  needed integer NOT NULL CHECK (needed >= 1),
  assigned integer NOT NULL DEFAULT 0,
  done integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (item_id, type),
  CHECK (assigned <= needed),
  CHECK (done <= assigned)
);
CREATE INDEX tasks_queue ON tasks (project_id, assigned, id);
CREATE TABLE assignments (
  id serial PRIMARY KEY,
  task_id integer NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  annotator_id integer NOT NULL REFERENCES annotators(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (task_id, annotator_id)
);
CREATE TABLE annotations (
  id serial PRIMARY KEY,
  assignment_id integer NOT NULL UNIQUE REFERENCES assignments(id) ON DELETE CASCADE,
  task_id integer NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  annotator_id integer NOT NULL REFERENCES annotators(id) ON DELETE CASCADE,
  submission_id text NOT NULL UNIQUE,
  label jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (task_id, annotator_id)
);
CREATE INDEX annotations_annotator ON annotations (annotator_id, id);
`,
  },
  {
    version: 2,
    name: 'queue indexes',
    sql: `
CREATE INDEX tasks_open ON tasks (project_id, id) WHERE assigned < needed;
CREATE INDEX assignments_annotator ON assignments (annotator_id, id);
`,
  },
  {
    version: 3,
    name: 'assignment activity and release',
    sql: `
ALTER TABLE assignments ADD COLUMN seen_at timestamptz;
UPDATE assignments SET seen_at = created_at;
ALTER TABLE assignments ALTER COLUMN seen_at SET NOT NULL;
ALTER TABLE assignments ALTER COLUMN seen_at SET DEFAULT now();
ALTER TABLE assignments ADD COLUMN released_at timestamptz;
CREATE INDEX assignments_held ON assignments (seen_at) WHERE released_at IS NULL;
`,
  },
  {
    version: 4,
    name: 'one open assignment per annotator',
    // The task's project and type are copied onto the assignment (a foreign key keeps them the
    // task's) and a label marks it, so that a partial unique index can say "open". Assignments a
    // version-3 database let one annotator hold side by side (two tabs racing) are released but
    // the oldest (the one `next` showed first); a label sent for a released one is still stored
    // while its task has a free place, as for any expired assignment.
    sql: `
ALTER TABLE assignments ADD COLUMN project_id integer;
ALTER TABLE assignments ADD COLUMN type text;
ALTER TABLE assignments ADD COLUMN labelled boolean NOT NULL DEFAULT false;
UPDATE assignments a SET project_id = t.project_id, type = t.type FROM tasks t WHERE t.id = a.task_id;
UPDATE assignments a SET labelled = true WHERE EXISTS (SELECT 1 FROM annotations n WHERE n.assignment_id = a.id);
WITH extra AS (
  SELECT a.id FROM assignments a
  WHERE a.released_at IS NULL AND NOT a.labelled
    AND EXISTS (SELECT 1 FROM assignments b WHERE b.annotator_id = a.annotator_id AND b.project_id = a.project_id AND b.type = a.type
                  AND b.released_at IS NULL AND NOT b.labelled AND b.id < a.id)),
rel AS (UPDATE assignments SET released_at = now() FROM extra WHERE assignments.id = extra.id RETURNING assignments.task_id)
UPDATE tasks SET assigned = tasks.assigned - r.n FROM (SELECT task_id, count(*)::int AS n FROM rel GROUP BY task_id) r WHERE tasks.id = r.task_id;
ALTER TABLE assignments ALTER COLUMN project_id SET NOT NULL;
ALTER TABLE assignments ALTER COLUMN type SET NOT NULL;
ALTER TABLE tasks ADD CONSTRAINT tasks_id_project_type UNIQUE (id, project_id, type);
ALTER TABLE assignments ADD CONSTRAINT assignments_task_project_type FOREIGN KEY (task_id, project_id, type) REFERENCES tasks (id, project_id, type) ON DELETE CASCADE;
CREATE UNIQUE INDEX assignments_one_open ON assignments (annotator_id, project_id, type) WHERE released_at IS NULL AND NOT labelled;
`,
  },
  {
    version: 5,
    name: 'annotator revocation',
    // A revoked annotator's token no longer signs in and they take no task; their labels stay
    // (labels are data). A new token replaces `token_hash` in place (store.ts, `newToken`).
    sql: `
ALTER TABLE annotators ADD COLUMN revoked_at timestamptz;
`,
  },
];

/** The advisory lock every schema change of the feedback database is made under (any fixed key). */
const MIGRATION_LOCK = 727274;

/** Apply every migration not yet recorded; returns the versions applied now. */
export async function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  // Under the same lock as the migrations: PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe
  // against itself (two at once: one fails on a unique index of the catalogue).
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
  // A database a newer askfirst has migrated further holds invariants this one does not know.
  const known = Math.max(0, ...migrations.map((m) => m.version));
  const [{ v }] = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  if (v !== null && v > known) {
    throw new AskfirstError('CONFLICT', `the feedback database has schema version ${v}, newer than this askfirst's ${known}: upgrade askfirst to use it (or use another database)`);
  }
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const did = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const have = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (have.length) return false;
      for (const stmt of splitSql(m.sql)) {
        try {
          await tx.query(stmt);
        } catch (e) {
          // 42P07: a table or index of that name exists though this migration never ran here
          if ((e as { code?: string }).code !== '42P07') throw e;
          throw new AskfirstError(
            'CONFLICT',
            `the database already holds ${describeError(e).replace(/ already exists$/, '')}, which askfirst's schema (migration ${m.version}, ${m.name}) would create: it is not a feedback database. Give an empty database (DATABASE_URL) or a new --db-dir`,
            { cause: e },
          );
        }
      }
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (did) applied.push(m.version);
  }
  return applied;
}

/** Split a migration into statements (our migrations contain no semicolons inside strings). */
export function splitSql(sql: string): string[] {
  return sql
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}
