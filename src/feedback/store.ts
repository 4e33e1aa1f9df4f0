/**
 * Data access for the feedback workbench: projects, annotators (tokens stored as SHA-256
 * hashes), items with their tasks, the assignment queue and annotations. Every write is atomic:
 * one statement (its own transaction) or an explicit BEGIN … COMMIT; the schema's unique
 * constraints back every invariant (see migrations.ts).
 *
 * Queue: each task needs `needed` labels from distinct annotators. `next()` first returns the
 * annotator's own open assignment (so a reload resumes it), else claims the oldest task with a
 * free slot the annotator has never had — oldest first, so started tasks fill up and complete
 * before new ones begin (`FOR UPDATE SKIP LOCKED` over a partial index of open tasks, then a
 * guarded counter update). An annotator holds at most one open (neither released nor labelled)
 * assignment per project and task type — the schema's partial unique index says so, and on
 * PostgreSQL one annotator's claims run one at a time (their row is locked) — so two tabs, or
 * two requests racing, get the same assignment, and the label sent from either is stored once
 * (one annotation per assignment; the second tab's submission is a CONFLICT). Submissions are
 * idempotent by a client-chosen submission id: a replay returns the stored annotation instead
 * of a second row.
 *
 * Expiry: an open assignment on which its annotator has shown no activity for the time limit
 * (`releaseStale`; activity = taking or resuming it, a play step, a heartbeat from the page:
 * `keep`) is released — its slot goes back to the queue — but not deleted. A label its annotator
 * sends for it later is stored if the task still has a free slot (the slot is taken back in the
 * same transaction), and refused (NOT_FOUND, nothing stored) only when other annotators have
 * taken every slot meanwhile; the task never holds more labels than it needs, nor two for one
 * assignment. The annotator's next `next()` gives them the released assignment back (same id)
 * while its task has a free slot.
 *
 * Leaving: an annotator who leaves a task gives its slot back at once, not when its time limit
 * runs out — asking for work in another project releases their open assignments in every other
 * one (in the claim's own statement, `claimOnce`), the page tells the server when it is closed or
 * its annotator signs out (`leave`), and revoking them releases all of theirs (`revokeAnnotator`).
 * A released assignment stays theirs as after expiry: a label sent for it later is stored while
 * its task has a free slot.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { AskfirstError, InputError, NotFoundError } from '../util/errors.js';
import type { Db, Queryable } from './db.js';
import { migrate } from './migrations.js';
import { yieldToEventLoop } from '../util/yield.js';
import type { Annotation, Me, MyAnnotation, Progress, SubmitResponse } from './api-types.js';
import { PROJECT_NAME, PROJECT_NAME_RULE } from './db-dir.js';
import { validateLabel, type Fact, type Label, type TaskPayload, type TaskType } from './tasks.js';

// What the HTTP API sends of these lives in api-types.ts (shared with the web client).
export type { Annotation, Progress };

export interface Project {
  id: number;
  name: string;
  imageDir: string;
  labelsPerItem: number;
}

/** An annotator as GET /api/me shows them. */
export type Annotator = Me;

/** An annotator as `askfirst feedback annotator --list` shows them. */
export interface AnnotatorInfo extends Annotator {
  createdAt: string;
  /** Their latest activity (taking, resuming or keeping an assignment; a label given or changed), or null if none. */
  lastActive: string | null;
  /** Labels they gave, in every project (revoking keeps them). */
  labels: number;
  /** Assignments they hold open (neither labelled nor released). */
  open: number;
  /** When their token was revoked, or null while it works. */
  revokedAt: string | null;
}

/** A name `addAnnotator` accepts. */
const ANNOTATOR_NAME = /^[\w.@-]{1,64}$/;

export interface ItemInput {
  externalId: string;
  /** Image path relative to the project's image folder. */
  image: string;
  question: string;
  modelOutput?: string;
  facts?: Fact[];
  meta?: Record<string, unknown>;
  tasks: { type: TaskType; payload: TaskPayload }[];
}

export interface Item {
  id: number;
  projectId: number;
  externalId: string;
  image: string;
  question: string;
  modelOutput: string;
  facts: Fact[];
  meta: Record<string, unknown>;
}

export interface Task {
  id: number;
  projectId: number;
  itemId: number;
  type: TaskType;
  payload: TaskPayload;
  needed: number;
  assigned: number;
  done: number;
}

export interface Assignment {
  id: number;
  task: Task;
  item: Item;
}

type Row = Record<string, unknown>;

/** A fresh annotator token: 24 random bytes, base64url, after `af_`. */
const newTokenText = () => `af_${randomBytes(24).toString('base64url')}`;

const unknownAnnotator = (name: string) =>
  new NotFoundError(`no annotator "${name}": \`askfirst feedback annotator --list\` lists them; \`askfirst feedback annotator ${ANNOTATOR_NAME.test(name) ? name : 'NAME'}\` adds one`);

/**
 * A label write by an annotator revoked meanwhile, or sent with a token replaced meanwhile (the
 * workbench takes a checked token on trust for a few seconds, app.ts `AUTH_CACHE_MS`): refused, as
 * their token now is.
 */
const revokedError = (what: string, why: TokenGone = 'revoked') =>
  new AskfirstError(
    'UNAUTHORIZED',
    why === 'revoked'
      ? `your token was revoked, so ${what}; ask the project owner for a new token (\`askfirst feedback annotator NAME --new-token\`)`
      : `your token was replaced by a new one, so ${what}; sign out and sign in with the new token (ask the project owner for it)`,
  );

type TokenGone = 'revoked' | 'replaced';

/**
 * Why a write must be refused, read in the statement that reads the annotator's row (alias `p`):
 * 'revoked', 'replaced' (the caller's token, `tokenParam`, is no longer theirs: `newToken` swapped
 * the hash; a caller without a token, the CLI or a test, is checked for revocation only), or null.
 * `newToken` updates the row under FOR NO KEY UPDATE, so a statement that reads it FOR SHARE either
 * sees the new hash or commits before the swap — a replaced token is then refused as a revoked one
 * is, not let in for the rest of the login cache's bound.
 */
const tokenGoneSql = (tokenParam: string) =>
  `CASE WHEN p.revoked_at IS NOT NULL THEN 'revoked' WHEN ${tokenParam}::text IS NOT NULL AND p.token_hash <> ${tokenParam}::text THEN 'replaced' END AS gone`;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const toProject = (r: Row): Project => ({ id: r.id as number, name: r.name as string, imageDir: r.image_dir as string, labelsPerItem: r.labels_per_item as number });
const toItem = (r: Row): Item => ({
  id: r.id as number,
  projectId: r.project_id as number,
  externalId: r.external_id as string,
  image: r.image as string,
  question: r.question as string,
  modelOutput: r.model_output as string,
  facts: r.facts as Fact[],
  meta: r.meta as Record<string, unknown>,
});
const toTask = (r: Row): Task => ({
  id: r.id as number,
  projectId: r.project_id as number,
  itemId: r.item_id as number,
  type: r.type as TaskType,
  payload: r.payload as TaskPayload,
  needed: r.needed as number,
  assigned: r.assigned as number,
  done: r.done as number,
});
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));
const toAnnotation = (r: Row): Annotation => ({
  id: r.id as number,
  assignmentId: r.assignment_id as number,
  taskId: r.task_id as number,
  annotatorId: r.annotator_id as number,
  submissionId: r.submission_id as string,
  label: r.label as Label,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

/** JSON parameters: pg serialises objects itself but sends JS arrays as Postgres arrays, so always pass strings. */
const json = (v: unknown) => JSON.stringify(v);

/**
 * Items to add: a list, or items made one at a time as they go in (a large import never holds them all). Each run of a
 * transaction iterates it from the start (PostgreSQL may retry one), so it must give the same items each time.
 */
export type ItemSource = Iterable<ItemInput> | AsyncIterable<ItemInput>;

/**
 * Insert items with their tasks inside a transaction; items whose external id exists are skipped. Returns how many were
 * added. PGlite answers a query without handing the event loop a turn, so 1,000 items (about 3 s) would run as one
 * stretch in which Ctrl-C's handler waits: the loop gets a turn after each item (the same statements, in the same order).
 */
async function insertItems(tx: Queryable, project: Project, items: ItemSource, onItem?: (done: number) => void): Promise<number> {
  let added = 0;
  let done = 0;
  for await (const it of items) {
    const rows = await tx.query(
      `INSERT INTO items (project_id, external_id, image, question, model_output, facts, meta)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb) ON CONFLICT (project_id, external_id) DO NOTHING RETURNING id`,
      [project.id, it.externalId, it.image, it.question, it.modelOutput ?? '', json(it.facts ?? []), json(it.meta ?? {})],
    );
    if (rows.length) {
      added++;
      for (const t of it.tasks) {
        await tx.query('INSERT INTO tasks (project_id, item_id, type, payload, needed) VALUES ($1, $2, $3, $4::jsonb, $5)', [project.id, rows[0].id, t.type, json(t.payload), project.labelsPerItem]);
      }
    }
    onItem?.(++done);
    await yieldToEventLoop();
  }
  return added;
}

/**
 * The parameters of the queue's queries for one annotator ($1 the project, $2 the annotator, $3
 * the task type when one is asked for) and the condition that restricts rows of `alias` (tasks or
 * assignments, both of which carry `type`) to that type: empty when any type will do. `claim` and
 * `claimOnce` both build their SQL from it.
 */
interface QueueQuery {
  params: unknown[];
  type: (alias: string) => string;
}

function queueQuery(projectId: number, annotatorId: number, type?: TaskType): QueueQuery {
  return {
    params: type ? [projectId, annotatorId, type] : [projectId, annotatorId],
    type: (alias) => (type ? `AND ${alias}.type = $3` : ''),
  };
}

/**
 * Inside a transaction: lock the annotator's row, so that their claims (`claimOnce`) and a
 * heartbeat taking a released assignment back (`keep`) run one at a time on PostgreSQL. A claim
 * waits for it, then sees what the other took. (No KEY: labels referring to the annotator still go in.)
 */
async function lockAnnotator(tx: Queryable, annotatorId: number, tokenHash: string | null = null): Promise<{ gone: TokenGone | null }> {
  return { gone: await tokenGone(tx, annotatorId, tokenHash, ' FOR NO KEY UPDATE') };
}

/** `tokenGoneSql` for one annotator (a missing row counts as revoked), read with `lock` appended (or none). */
async function tokenGone(q: Queryable, annotatorId: number, tokenHash: string | null, lock = ''): Promise<TokenGone | null> {
  const rows = await q.query(`SELECT ${tokenGoneSql('$2')} FROM annotators p WHERE p.id = $1${lock}`, [annotatorId, tokenHash]);
  return rows.length ? ((rows[0].gone as TokenGone | null) ?? null) : 'revoked';
}

export class FeedbackStore {
  constructor(readonly db: Db) {}

  /** Open the store on `db` (the store owns it), applying pending migrations; `db` is closed if that fails. */
  static async open(db: Db): Promise<FeedbackStore> {
    try {
      await migrate(db);
    } catch (e) {
      await db.close().catch(() => undefined); // PGlite: its lock goes too, so the error can be fixed and the command run again
      throw e;
    }
    return new FeedbackStore(db);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  // ── projects ────────────────────────────────────────────────────────────────────────────
  /**
   * Create a project, with `items` (and their tasks) in the same transaction: a project that a
   * caller fills once (the feedback demo's) never exists half-filled after a crash or an error.
   */
  async createProject(name: string, imageDir: string, labelsPerItem: number, items: readonly ItemInput[] = []): Promise<Project> {
    if (!PROJECT_NAME.test(name)) throw new InputError(`project name "${name}" ${PROJECT_NAME_RULE}`);
    if (!Number.isInteger(labelsPerItem) || labelsPerItem < 1) throw new InputError(`labels per item must be a positive integer, got ${labelsPerItem}`);
    return this.db.transaction(async (tx) => {
      const rows = await tx.query('INSERT INTO projects (name, image_dir, labels_per_item) VALUES ($1, $2, $3) RETURNING *', [name, imageDir, labelsPerItem]);
      const project = toProject(rows[0]);
      await insertItems(tx, project, items);
      return project;
    });
  }

  async project(nameOrId: string | number): Promise<Project> {
    const rows =
      typeof nameOrId === 'number'
        ? await this.db.query('SELECT * FROM projects WHERE id = $1', [nameOrId])
        : await this.db.query('SELECT * FROM projects WHERE name = $1', [nameOrId]);
    if (!rows.length) throw new NotFoundError(`no project ${JSON.stringify(nameOrId)} (create it with \`askfirst feedback import --project <name>\` for a suite's items, or \`askfirst feedback pairs --project <name>\` for preference pairs; \`askfirst feedback status\` lists the projects there are)`);
    return toProject(rows[0]);
  }

  async projects(): Promise<Project[]> {
    return (await this.db.query('SELECT * FROM projects ORDER BY id')).map(toProject);
  }

  // ── annotators ──────────────────────────────────────────────────────────────────────────
  /** Create an annotator and return its token (shown once; only its hash is stored). */
  async addAnnotator(name: string): Promise<Annotator & { token: string }> {
    if (!ANNOTATOR_NAME.test(name)) throw new InputError(`annotator name "${name}" must be 1–64 letters, digits, '.', '@', '_' or '-'`);
    const token = newTokenText();
    const rows = await this.db.transaction(async (tx) => {
      const have = await tx.query('SELECT 1 FROM annotators WHERE name = $1', [name]);
      if (have.length) throw new AskfirstError('CONFLICT', `annotator "${name}" exists already: give another name, or replace their token with \`askfirst feedback annotator ${name} --new-token\``);
      return tx.query('INSERT INTO annotators (name, token_hash) VALUES ($1, $2) RETURNING id, name', [name, hashToken(token)]);
    });
    return { id: rows[0].id as number, name: rows[0].name as string, token };
  }

  /** The annotator a token belongs to, or null (also for a revoked annotator's token). */
  async authenticate(token: string): Promise<Annotator | null> {
    if (!token || token.length > 200) return null;
    const rows = await this.db.query('SELECT id, name FROM annotators WHERE token_hash = $1 AND revoked_at IS NULL', [hashToken(token)]);
    return rows.length ? { id: rows[0].id as number, name: rows[0].name as string } : null;
  }

  /** Every annotator, oldest first, with their labels, open assignments, last activity and whether they are revoked. */
  async annotators(): Promise<AnnotatorInfo[]> {
    const rows = await this.db.query(
      `SELECT p.id, p.name, p.created_at, p.revoked_at,
              (SELECT count(*)::int FROM annotations n WHERE n.annotator_id = p.id) AS labels,
              (SELECT count(*)::int FROM assignments a WHERE a.annotator_id = p.id AND a.released_at IS NULL AND NOT a.labelled) AS open,
              GREATEST((SELECT max(a.seen_at) FROM assignments a WHERE a.annotator_id = p.id),
                       (SELECT max(n.updated_at) FROM annotations n WHERE n.annotator_id = p.id)) AS last_active
       FROM annotators p ORDER BY p.id`,
    );
    return rows.map((r) => ({
      id: r.id as number,
      name: r.name as string,
      createdAt: iso(r.created_at),
      lastActive: r.last_active == null ? null : iso(r.last_active),
      labels: r.labels as number,
      open: r.open as number,
      revokedAt: r.revoked_at == null ? null : iso(r.revoked_at),
    }));
  }

  /**
   * Revoke an annotator's token: it signs in no more (the workbench notices within its login cache's
   * bound, app.ts), they take no task, and their open assignments go back to the queue, in one
   * transaction. Their labels stay. Returns how many assignments were released and whether they
   * were revoked already (then nothing changes but a release of anything still open).
   */
  async revokeAnnotator(name: string): Promise<{ annotator: Annotator; released: number; already: string | null }> {
    return this.db.transaction(async (tx) => {
      // The row lock makes their claims (claimOnce, keep) wait, then see the revocation.
      const rows = await tx.query('SELECT id, name, revoked_at FROM annotators WHERE name = $1 FOR NO KEY UPDATE', [name]);
      if (!rows.length) throw unknownAnnotator(name);
      const r = rows[0];
      if (r.revoked_at == null) await tx.query('UPDATE annotators SET revoked_at = now() WHERE id = $1', [r.id]);
      // `wait`: an assignment a heartbeat or play step (`keep`) or a label (`submit`) holds locked right now is
      // waited for, not skipped as the sweeper skips it: skipped, it stayed open for good, held by a revoked annotator.
      const released = await this.releaseIn(tx, 'a.annotator_id = $1', [r.id], true);
      return { annotator: { id: r.id as number, name: r.name as string }, released, already: r.revoked_at == null ? null : iso(r.revoked_at) };
    });
  }

  /**
   * Give an annotator a new token (returned once; only its hash is stored): the old one stops
   * working (within the workbench's login cache bound, app.ts). A revoked annotator is reinstated
   * (`reinstated: true`); their labels and assignments are untouched.
   */
  async newToken(name: string): Promise<Annotator & { token: string; reinstated: boolean }> {
    const token = newTokenText();
    return this.db.transaction(async (tx) => {
      const old = await tx.query('SELECT revoked_at FROM annotators WHERE name = $1 FOR NO KEY UPDATE', [name]);
      if (!old.length) throw unknownAnnotator(name);
      const [r] = await tx.query('UPDATE annotators SET token_hash = $1, revoked_at = NULL WHERE name = $2 RETURNING id, name', [hashToken(token), name]);
      return { id: r.id as number, name: r.name as string, token, reinstated: old[0].revoked_at != null };
    });
  }

  // ── items and tasks ─────────────────────────────────────────────────────────────────────
  /**
   * Add items with their tasks; items whose external id already exists are skipped. Returns how many were added. One
   * transaction: all or none. `onItem(done)` is called after each item is inserted or skipped, `done` counting from 1 (a
   * progress bar over a large import; on PostgreSQL a retried transaction counts again from 1). `items` may be made one
   * at a time as they go in (`ItemSource`).
   */
  async addItems(projectId: number, items: ItemSource, onItem?: (done: number) => void): Promise<number> {
    const project = await this.project(projectId);
    return this.db.transaction((tx) => insertItems(tx, project, items, onItem));
  }

  async item(id: number): Promise<Item> {
    const rows = await this.db.query('SELECT * FROM items WHERE id = $1', [id]);
    if (!rows.length) throw new NotFoundError(`no item ${id}`);
    return toItem(rows[0]);
  }

  async tasks(projectId: number, type?: TaskType): Promise<Task[]> {
    const rows = type
      ? await this.db.query('SELECT * FROM tasks WHERE project_id = $1 AND type = $2 ORDER BY id', [projectId, type])
      : await this.db.query('SELECT * FROM tasks WHERE project_id = $1 ORDER BY id', [projectId]);
    return rows.map(toTask);
  }

  async items(projectId: number): Promise<Item[]> {
    return (await this.db.query('SELECT * FROM items WHERE project_id = $1 ORDER BY id', [projectId])).map(toItem);
  }

  /** The item of a project with this external id, or null: one row, read by the (project, external id) index. */
  async itemByExternalId(projectId: number, externalId: string): Promise<Item | null> {
    const rows = await this.db.query('SELECT * FROM items WHERE project_id = $1 AND external_id = $2', [projectId, externalId]);
    return rows.length ? toItem(rows[0]) : null;
  }

  /**
   * The items of a project with these external ids and each one's task of `type` (null when it has none), read by the
   * (project, external id) index: a reader of a few items of a large project (a round of `feedback illume --critic
   * workbench`) reads those, not every item.
   */
  async itemsWithTask(projectId: number, externalIds: readonly string[], type: TaskType): Promise<{ item: Item; task: Task | null }[]> {
    const rows = await this.db.query(
      `SELECT i.*, t.id AS t_id, t.project_id AS t_project_id, t.item_id, t.type, t.payload, t.needed, t.assigned, t.done
       FROM items i LEFT JOIN tasks t ON t.item_id = i.id AND t.type = $3
       WHERE i.project_id = $1 AND i.external_id = ANY($2::text[]) ORDER BY i.id`,
      [projectId, externalIds, type],
    );
    return rows.map((r) => ({ item: toItem(r), task: r.t_id === null ? null : toTask({ ...r, id: r.t_id, project_id: r.t_project_id }) }));
  }

  /** Of the tasks of `type` on the items with these external ids: how many there are, and how many have all their labels. */
  async taskProgress(projectId: number, externalIds: readonly string[], type: TaskType): Promise<{ tasks: number; done: number }> {
    const [r] = await this.db.query(
      `SELECT count(*)::int AS tasks, count(*) FILTER (WHERE t.done >= t.needed)::int AS done
       FROM tasks t JOIN items i ON i.id = t.item_id WHERE t.project_id = $1 AND t.type = $3 AND i.external_id = ANY($2::text[])`,
      [projectId, externalIds, type],
    );
    return { tasks: r.tasks as number, done: r.done as number };
  }

  /**
   * The labels given and needed on the tasks of a project's items whose `meta.kind` is `kind` (`feedback simulate`: its
   * trajectory pairs, the only items it labels; `progress` counts every item's).
   */
  async progressOfKind(projectId: number, kind: string): Promise<{ labels: number; needed: number }> {
    const [r] = await this.db.query(
      `SELECT coalesce(sum(t.done), 0)::int AS labels, coalesce(sum(t.needed), 0)::int AS needed
       FROM tasks t JOIN items i ON i.id = t.item_id WHERE t.project_id = $1 AND i.meta->>'kind' = $2`,
      [projectId, kind],
    );
    return { labels: r.labels as number, needed: r.needed as number };
  }

  /** Whether a project holds an item whose `meta.kind` is `kind` (read until the first one). */
  async hasItemOfKind(projectId: number, kind: string): Promise<boolean> {
    return (await this.db.query("SELECT 1 FROM items WHERE project_id = $1 AND meta->>'kind' = $2 LIMIT 1", [projectId, kind])).length > 0;
  }

  /** How many labels the tasks of one type hold, by their item's external id (items without a label are left out); counted in the database. */
  async labelCounts(projectId: number, type: TaskType): Promise<Map<string, number>> {
    const rows = await this.db.query(
      `SELECT i.external_id, count(*)::int AS n FROM annotations n JOIN tasks t ON t.id = n.task_id JOIN items i ON i.id = t.item_id
       WHERE t.project_id = $1 AND t.type = $2 GROUP BY i.external_id`,
      [projectId, type],
    );
    return new Map(rows.map((r) => [r.external_id as string, r.n as number]));
  }

  // ── queue ───────────────────────────────────────────────────────────────────────────────
  /**
   * The annotator's next assignment in a project (their open one first), or null when nothing is left for them.
   * A revoked annotator, or a `tokenHash` (the workbench's: the request's token) replaced meanwhile, is refused
   * (UNAUTHORIZED, as `submit`), so a page inside the workbench's login-cache bound says the token no longer works
   * instead of "all done"; a revocation committed between that check and the claim is caught by the claim itself
   * (`claimOnce` gives a revoked annotator nothing), and checked again.
   */
  async next(projectId: number, annotatorId: number, type?: TaskType, tokenHash: string | null = null): Promise<Assignment | null> {
    const refuseGone = async () => {
      const gone = await tokenGone(this.db, annotatorId, tokenHash);
      if (gone) throw revokedError('it gets no more tasks', gone);
    };
    await refuseGone(); // a replaced token takes nothing either
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        const id = await this.claim(projectId, annotatorId, type);
        if (id === null) await refuseGone(); // revoked between the check and the claim, which then took nothing
        return id === null ? null : this.assignment(id, annotatorId);
      } catch (e) {
        // Two concurrent requests by the same annotator raced for one task: try again.
        if ((e as AskfirstError).code === 'CONFLICT') continue;
        throw e;
      }
    }
    throw new AskfirstError('CONFLICT', 'could not claim a task after 8 attempts (heavy contention); retry the request');
  }

  /**
   * One atomic statement (its own transaction): the annotator's open assignment if any (its
   * activity time renewed: a reload counts as activity), else their own released one whose task
   * has a free slot again (taken back: same id, so the page they left open still submits to it),
   * else lock a free slot of a task they never had, count it and record the assignment. Few
   * statements matter: on PGlite every statement is planned afresh.
   */
  private async claim(projectId: number, annotatorId: number, type?: TaskType): Promise<number | null> {
    const q = queueQuery(projectId, annotatorId, type);
    for (let tries = 0; tries < 5; tries++) {
      const got = await this.claimOnce(annotatorId, q);
      if (got !== null) return got;
      // Nothing free, or the row we saw filled up under us: check again whether anything is left.
      const left = await this.db.query(
        `SELECT 1 FROM tasks t WHERE t.project_id = $1 AND t.assigned < t.needed ${q.type('t')}
           AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.task_id = t.id AND a.annotator_id = $2 AND a.released_at IS NULL) LIMIT 1`,
        q.params,
      );
      if (!left.length) return null;
    }
    return null;
  }

  /**
   * One try of `claim`. On PostgreSQL, where requests run side by side, the annotator's row is
   * locked first, in the same transaction: one annotator's claims (two tabs, a double click) run
   * one after the other, and the second, a new statement, sees what the first took and resumes
   * it. The schema's one-open-assignment index stops a second one regardless (the loser is a
   * CONFLICT, retried by `next`); the lock makes untyped requests, which could otherwise take
   * tasks of two types, agree too. PGlite has one connection: statements already run one at a time.
   * The same statement first releases the annotator's open assignments in every other project
   * (they left it), so requests from two tabs in two projects, run one after the other, leave
   * them holding one task, the later request's.
   */
  private async claimOnce(annotatorId: number, q: QueueQuery): Promise<number | null> {
    const typeSql = q.type('t');
    // A revoked annotator (a request inside the workbench's login cache bound) takes and resumes nothing: each way to an
    // assignment (open, back, pick) is closed while `revoked` holds a row.
    const sql = `WITH revoked AS (SELECT 1 FROM annotators r WHERE r.id = $2 AND r.revoked_at IS NOT NULL),
         -- Asking for work in this project says the annotator left every other one: their open assignments
         -- there go back to the queue now, not when their time limit runs out (the annotator leaving a project, in the header).
         gone AS (
           UPDATE assignments SET released_at = now()
           WHERE annotator_id = $2 AND project_id <> $1 AND released_at IS NULL AND NOT labelled RETURNING task_id),
         freed AS (UPDATE tasks SET assigned = tasks.assigned - 1 FROM gone WHERE tasks.id = gone.task_id RETURNING tasks.id),
         open AS (
           SELECT a.id FROM assignments a
           WHERE a.project_id = $1 AND a.annotator_id = $2 ${q.type('a')} AND a.released_at IS NULL AND NOT a.labelled
             AND NOT EXISTS (SELECT 1 FROM revoked)
           ORDER BY a.id LIMIT 1),
         seen AS (UPDATE assignments SET seen_at = now() FROM open WHERE assignments.id = open.id AND assignments.released_at IS NULL RETURNING assignments.id),
         back AS (
           SELECT a.id, a.task_id FROM assignments a JOIN tasks t ON t.id = a.task_id
           WHERE NOT EXISTS (SELECT 1 FROM open) AND t.project_id = $1 AND a.annotator_id = $2 ${typeSql}
             AND a.released_at IS NOT NULL AND t.assigned < t.needed
             AND NOT EXISTS (SELECT 1 FROM revoked)
           ORDER BY a.id LIMIT 1
           FOR UPDATE OF a, t SKIP LOCKED),
         pick AS (
           SELECT t.id, t.project_id, t.type FROM tasks t
           WHERE NOT EXISTS (SELECT 1 FROM open) AND NOT EXISTS (SELECT 1 FROM back) AND t.project_id = $1 AND t.assigned < t.needed ${typeSql}
             AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.task_id = t.id AND a.annotator_id = $2)
             AND NOT EXISTS (SELECT 1 FROM revoked)
           ORDER BY t.id LIMIT 1
           FOR UPDATE OF t SKIP LOCKED),
         upd AS (
           UPDATE tasks SET assigned = tasks.assigned + 1 FROM (SELECT task_id AS id FROM back UNION ALL SELECT id FROM pick) p
           WHERE tasks.id = p.id AND tasks.assigned < tasks.needed RETURNING tasks.id),
         retaken AS (
           UPDATE assignments SET released_at = NULL, seen_at = now() FROM back, upd
           WHERE assignments.id = back.id AND upd.id = back.task_id RETURNING assignments.id),
         ins AS (
           INSERT INTO assignments (task_id, annotator_id, project_id, type)
           SELECT upd.id, $2, pick.project_id, pick.type FROM upd JOIN pick ON pick.id = upd.id RETURNING id)
         SELECT id FROM seen UNION ALL SELECT id FROM retaken UNION ALL SELECT id FROM ins`;
    const got =
      this.db.engine === 'postgres'
        ? await this.db.transaction(async (tx) => {
            await lockAnnotator(tx, annotatorId);
            return tx.query(sql, q.params);
          })
        : await this.db.query(sql, q.params);
    return got.length ? (got[0].id as number) : null;
  }

  /**
   * Give back slots held by open assignments on which their annotator has shown no activity
   * (taking or resuming it, a play step, a heartbeat: `keep`) for `olderThanSeconds` — an
   * annotator who walked away — so other annotators can take those tasks. Returns how many were
   * released. A released assignment stays its annotator's: a label they send for it later is
   * stored while the task has a free slot (see `submit`).
   */
  releaseStale(olderThanSeconds: number): Promise<number> {
    return this.release('a.seen_at < now() - make_interval(secs => $1)', [olderThanSeconds]);
  }

  /**
   * Give back the slots of a project's open assignments held by annotators whose name starts
   * with `namePrefix`: simulated annotators of a run that stopped between taking a task and
   * labelling it (a run started again makes new ones, which could never take those tasks).
   */
  releaseOpenOf(projectId: number, namePrefix: string): Promise<number> {
    return this.release(
      `a.task_id IN (SELECT t.id FROM tasks t WHERE t.project_id = $1)
       AND a.annotator_id IN (SELECT p.id FROM annotators p WHERE left(p.name, length($2)) = $2)`,
      [projectId, namePrefix],
    );
  }

  /** Mark the unlabelled, held assignments matching `where` (over `assignments a`) released and give their slots back. */
  private release(where: string, params: unknown[]): Promise<number> {
    return this.db.transaction((tx) => this.releaseIn(tx, where, params));
  }

  /** `release` inside the caller's transaction `tx`. */
  private async releaseIn(tx: Queryable, where: string, params: unknown[], wait = false): Promise<number> {
    // Two statements, on purpose. A label being written for an assignment holds a lock on it
    // (its foreign key, or `submit`'s row lock) while it commits; one UPDATE … WHERE NOT EXISTS
    // (label) would wait for that lock, then release the assignment anyway (its NOT EXISTS was
    // decided on a snapshot taken before the label committed), leaving a label whose slot is
    // counted free. So: lock the candidates first (skipping any a label is being written for;
    // once locked, no label can be added to them), then release those still unlabelled,
    // checked by a statement that sees every label committed before it.
    // `wait` (a revocation, which must release every open assignment): locked candidates are waited
    // for instead, in id order; the second statement still decides on the labels committed meanwhile.
    // A label waiting for the annotator's row the revocation holds can deadlock with it: PostgreSQL
    // aborts one, and `Db.transaction` runs it again (40P01).
    const open = await tx.query<{ id: number }>(
      `SELECT a.id FROM assignments a WHERE ${where} AND a.released_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM annotations n WHERE n.assignment_id = a.id)
       ORDER BY a.id FOR UPDATE OF a${wait ? '' : ' SKIP LOCKED'}`,
      params,
    );
    if (!open.length) return 0;
    const gone = await tx.query<{ task_id: number }>(
      `UPDATE assignments a SET released_at = now() WHERE a.id = ANY($1::int[]) AND a.released_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM annotations n WHERE n.assignment_id = a.id) RETURNING a.task_id`,
      [open.map((s) => s.id)],
    );
    for (const g of gone) await tx.query('UPDATE tasks SET assigned = assigned - 1 WHERE id = $1', [g.task_id]);
    return gone.length;
  }

  /**
   * Inside a transaction holding the row lock of a released assignment: take a slot of its task
   * back for it, if the task has a free one (nobody else took the slot, or the task needs more
   * labels than it has annotators). Returns false when every slot is held by someone else. The
   * caller marks the assignment held again (`keep`) or labelled (`submit`).
   */
  private async takeSlot(tx: Queryable, taskId: number): Promise<boolean> {
    const slot = await tx.query('UPDATE tasks SET assigned = assigned + 1 WHERE id = $1 AND assigned < needed RETURNING id', [taskId]);
    return slot.length > 0;
  }

  /**
   * The annotator is at work on an assignment (a heartbeat from the page, a play step): its time
   * limit starts again. A released one is taken back when its task has a free slot — unless the
   * annotator has since taken another task, of any type, in this project (in another tab, or this
   * one reloaded: that one is what `next` without a type, the workbench page's, shows them) or in
   * another (asking for work there released this one: they left this project). The
   * schema allows one open assignment per type (migrations.ts: `next` can ask for a type), but an
   * untyped claim never takes a second, and neither does this: taking this one back beside theirs
   * would hold two places for one annotator, and a reload would show the older of the two, not the
   * one they moved on to. So this one stays released and a label for it is stored if a slot is free
   * when it comes (a client asking by type gets it back from `next` for its type). Returns
   * 'held' (theirs: a label will be stored), 'elsewhere' (released, and they have since taken
   * another task, here or in another project: a label sent now is stored, as its task has a free slot, but
   * that slot is not kept for it), 'labelled' (already labelled), or 'taken' (it was released and
   * every slot of its task is held by others: a label for it would not be stored). NOT_FOUND for
   * anyone else's; UNAUTHORIZED for an annotator revoked meanwhile, or a `tokenHash` (the workbench's
   * caller's token) replaced meanwhile (a play step or heartbeat let in by the workbench's login
   * cache), as `submit` refuses their label.
   */
  async keep(assignmentId: number, annotatorId: number, tokenHash: string | null = null): Promise<'held' | 'elsewhere' | 'labelled' | 'taken'> {
    const goneWhat = 'this task is no longer yours and nothing more for it can be saved';
    return this.db.transaction(async (tx) => {
      // A revoked annotator (the workbench's login cache still let the request in) is refused, as a
      // label from them is (`submit`): a revocation that committed first released every open assignment
      // of theirs, so it is seen here, or under the annotator's lock below for a released one; one that
      // commits later waits for this assignment's row lock to release it. A replaced token (`newToken`
      // releases nothing) is seen here when the swap committed first; one committing later is ordered
      // after this step, which only renews the assignment's time (a label after it is refused by `submit`).
      const rows = await tx.query(
        `SELECT a.task_id, a.released_at IS NOT NULL AS released, a.labelled, ${tokenGoneSql('$3')}
         FROM assignments a JOIN annotators p ON p.id = a.annotator_id WHERE a.id = $1 AND a.annotator_id = $2 FOR UPDATE OF a`,
        [assignmentId, annotatorId, tokenHash],
      );
      if (!rows.length) throw new NotFoundError(`no assignment ${assignmentId} for you`);
      const r = rows[0];
      if (r.gone) throw revokedError(goneWhat, r.gone as TokenGone);
      if (r.labelled) return 'labelled';
      if (!r.released) {
        await tx.query('UPDATE assignments SET seen_at = now() WHERE id = $1', [assignmentId]);
        return 'held';
      }
      // As `claimOnce`: the annotator's claims wait, so none takes a task while this looks. A
      // revoked annotator takes nothing back (their assignments were released when revoked).
      const { gone } = await lockAnnotator(tx, annotatorId, tokenHash);
      if (gone) throw revokedError(goneWhat, gone);
      const other = await tx.query('SELECT 1 FROM assignments b WHERE b.annotator_id = $1 AND b.released_at IS NULL AND NOT b.labelled LIMIT 1', [annotatorId]);
      if (other.length) {
        const free = await tx.query('SELECT 1 FROM tasks WHERE id = $1 AND assigned < needed', [r.task_id]);
        return free.length ? 'elsewhere' : 'taken';
      }
      if (!(await this.takeSlot(tx, r.task_id as number))) return 'taken';
      await tx.query('UPDATE assignments SET released_at = NULL, seen_at = now() WHERE id = $1', [assignmentId]);
      return 'held';
    });
  }

  /**
   * The annotator left an assignment (closed the page that showed it, signed out): its slot goes
   * back to the queue now, in one transaction, as expiry would give it back later (`releaseIn`,
   * waiting for a label or heartbeat that holds it locked, then deciding on the labels committed).
   * Returns whether it was released: false when it was labelled or released already (a repeat is
   * harmless). The assignment stays theirs: a label they send for it later is stored while its task
   * has a free slot, and their next `next()` in its project gives it back. NOT_FOUND for anyone
   * else's; UNAUTHORIZED for an annotator revoked meanwhile (theirs were released then) or a
   * `tokenHash` replaced meanwhile, as `keep`.
   */
  async leave(assignmentId: number, annotatorId: number, tokenHash: string | null = null): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query(`SELECT ${tokenGoneSql('$3')} FROM assignments a JOIN annotators p ON p.id = a.annotator_id WHERE a.id = $1 AND a.annotator_id = $2`, [
        assignmentId,
        annotatorId,
        tokenHash,
      ]);
      if (!rows.length) throw new NotFoundError(`no assignment ${assignmentId} for you`);
      if (rows[0].gone) throw revokedError('nothing of yours was changed', rows[0].gone as TokenGone);
      return (await this.releaseIn(tx, 'a.id = $1', [assignmentId], true)) > 0;
    });
  }

  /** An assignment of `annotatorId` (NOT_FOUND for anyone else's, so ids leak nothing). */
  async assignment(id: number, annotatorId: number): Promise<Assignment> {
    const rows = await this.db.query(
      `SELECT a.id AS a_id, t.*, i.id AS i_id, i.project_id AS i_project_id, i.external_id, i.image, i.question, i.model_output, i.facts, i.meta
       FROM assignments a JOIN tasks t ON t.id = a.task_id JOIN items i ON i.id = t.item_id
       WHERE a.id = $1 AND a.annotator_id = $2`,
      [id, annotatorId],
    );
    if (!rows.length) throw new NotFoundError(`no assignment ${id} for you`);
    const r = rows[0];
    return { id: r.a_id as number, task: toTask(r), item: toItem({ ...r, id: r.i_id, project_id: r.i_project_id }) };
  }

  // ── annotations ─────────────────────────────────────────────────────────────────────────
  /**
   * Store the label for an assignment. Idempotent by `submissionId`: replaying the same
   * submission (same label) returns the stored annotation with `replayed: true`; the same id with
   * another label, or a second, different submission for the same assignment, is a CONFLICT
   * (change a label with `update`). `tokenHash` (the workbench's: the hash of the token the request
   * came with) is refused (UNAUTHORIZED) once that token was replaced, as a revoked annotator is.
   */
  async submit(annotatorId: number, assignmentId: number, submissionId: string, label: unknown, tokenHash: string | null = null): Promise<SubmitResponse> {
    if (!/^[\w-]{8,100}$/.test(submissionId)) throw new InputError('submissionId must be 8–100 letters, digits, "_" or "-" (use a UUID)');
    const replay = async (valid: Label): Promise<SubmitResponse | null> => {
      const rows = await this.db.query('SELECT * FROM annotations WHERE submission_id = $1', [submissionId]);
      if (!rows.length) return null;
      const a = toAnnotation(rows[0]);
      if (a.annotatorId !== annotatorId || a.assignmentId !== assignmentId) {
        throw new AskfirstError('CONFLICT', `submission id ${submissionId} was already used for another assignment; generate a fresh one`);
      }
      // A retry whose label differs (the annotator changed their mind after a lost response) is
      // not a replay: answering it with the stored label would drop the new one unsaid.
      if (!isDeepStrictEqual(a.label, valid)) {
        throw new AskfirstError('CONFLICT', `assignment ${assignmentId} is already labelled (annotation ${a.id}, by this submission) with a different label; the new label was not saved — change the label with PUT /api/annotations/${a.id}`);
      }
      return { annotation: a, replayed: true };
    };
    let valid: Label | undefined;
    try {
      // One transaction: lock the assignment (the sweeper skips a locked one; once it has
      // released it, we see that), validate, take a slot back for a released one, then insert
      // and count. A second label for the assignment or a reused submission id violates a
      // unique constraint and surfaces as CONFLICT below (after the rollback).
      return await this.db.transaction(async (tx) => {
        // The annotator's row is share-locked in the same statement: a revocation (which locks it
        // FOR NO KEY UPDATE) either committed first, and this sees it, or waits until this label is in
        // (then releases what is left). The workbench's login cache still let the request in. A token
        // replaced meanwhile (`newToken`, under the same row lock) is refused the same way (`tokenGoneSql`).
        const rows = await tx.query(
          `SELECT a.task_id, a.released_at IS NOT NULL AS released, t.type, t.payload, t.needed, ${tokenGoneSql('$3')}
           FROM assignments a JOIN tasks t ON t.id = a.task_id JOIN annotators p ON p.id = a.annotator_id
           WHERE a.id = $1 AND a.annotator_id = $2 FOR UPDATE OF a FOR SHARE OF p`,
          [assignmentId, annotatorId, tokenHash],
        );
        if (!rows.length) throw new NotFoundError(`no assignment ${assignmentId} for you`);
        const r = rows[0];
        if (r.gone) throw revokedError('this label was not saved', r.gone as TokenGone);
        valid = validateLabel(r.type as TaskType, r.payload, label);
        // A label sent after the assignment expired (the annotator was away longer than the time
        // limit) is still their honest work: stored when the task has a free slot, so the task
        // never holds more labels than it needs.
        if (r.released && !(await this.takeSlot(tx, r.task_id as number))) {
          throw new NotFoundError(
            `no assignment ${assignmentId} for you any more: it expired (no activity for longer than the time limit) and the task's ${r.needed} place${r.needed === 1 ? ' has' : 's have'} since gone to other annotators, so this label was not saved`,
          );
        }
        const ins = await tx.query(
          `WITH ins AS (
             INSERT INTO annotations (assignment_id, task_id, annotator_id, submission_id, label)
             VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING *),
           upd AS (UPDATE tasks SET done = done + 1 WHERE id = $2 AND EXISTS (SELECT 1 FROM ins) RETURNING id),
           -- labelled and held in one step: a released assignment is never open beside another
           mark AS (UPDATE assignments SET labelled = true, released_at = NULL WHERE id = $1 AND EXISTS (SELECT 1 FROM ins) RETURNING id)
           SELECT ins.* FROM ins`,
          [assignmentId, r.task_id, annotatorId, submissionId, json(valid)],
        );
        return { annotation: toAnnotation(ins[0]), replayed: false };
      });
    } catch (e) {
      if ((e as AskfirstError).code === 'CONFLICT' && valid !== undefined) {
        // A replay of a stored submission (sequential or concurrent) returns the stored annotation.
        const r = await replay(valid);
        if (r) return r;
        throw new AskfirstError('CONFLICT', `assignment ${assignmentId} is already labelled; change the label with PUT /api/annotations/<id>`, { cause: e });
      }
      throw e;
    }
  }

  /** One of the annotator's own annotations (NOT_FOUND for anyone else's). */
  async annotation(annotatorId: number, id: number): Promise<Annotation> {
    const rows = await this.db.query('SELECT * FROM annotations WHERE id = $1 AND annotator_id = $2', [id, annotatorId]);
    if (!rows.length) throw new NotFoundError(`no annotation ${id} of yours`);
    return toAnnotation(rows[0]);
  }

  /** The annotator's own annotations in a project, newest first. */
  async myAnnotations(annotatorId: number, projectId: number, limit = 100): Promise<MyAnnotation[]> {
    const rows = await this.db.query(
      `SELECT n.*, t.type, i.external_id FROM annotations n JOIN tasks t ON t.id = n.task_id JOIN items i ON i.id = t.item_id
       WHERE n.annotator_id = $1 AND t.project_id = $2 ORDER BY n.id DESC LIMIT $3`,
      [annotatorId, projectId, Math.min(Math.max(1, limit), 1000)],
    );
    return rows.map((r) => ({ ...toAnnotation(r), type: r.type as TaskType, externalId: r.external_id as string }));
  }

  /** Change one's own label (the count of labels does not change); refused once revoked, or `tokenHash` replaced, as `submit` is. */
  async update(annotatorId: number, id: number, label: unknown, tokenHash: string | null = null): Promise<Annotation> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query(
        `SELECT n.id, t.type, t.payload, ${tokenGoneSql('$3')} FROM annotations n JOIN tasks t ON t.id = n.task_id
         JOIN annotators p ON p.id = n.annotator_id
         WHERE n.id = $1 AND n.annotator_id = $2 FOR UPDATE OF n FOR SHARE OF p`,
        [id, annotatorId, tokenHash],
      );
      if (!rows.length) throw new NotFoundError(`no annotation ${id} of yours`);
      if (rows[0].gone) throw revokedError('the label was not changed', rows[0].gone as TokenGone);
      const valid = validateLabel(rows[0].type as TaskType, rows[0].payload, label);
      const upd = await tx.query('UPDATE annotations SET label = $1::jsonb, updated_at = now() WHERE id = $2 RETURNING *', [json(valid), id]);
      return toAnnotation(upd[0]);
    });
  }

  /** Every annotation of one task type in a project with its task and item (for agreement and export). */
  async labelled(projectId: number, type: TaskType, externalIds?: readonly string[]): Promise<{ annotation: Annotation; task: Task; item: Item }[]> {
    // externalIds: only the labels on those items (a round of `feedback illume --critic workbench`), not the project's
    const rows = await this.db.query(
      `SELECT n.id AS n_id, n.assignment_id, n.task_id, n.annotator_id, n.submission_id, n.label, n.created_at AS n_created, n.updated_at AS n_updated,
              t.*, i.id AS i_id, i.project_id AS i_project_id, i.external_id, i.image, i.question, i.model_output, i.facts, i.meta
       FROM annotations n JOIN tasks t ON t.id = n.task_id JOIN items i ON i.id = t.item_id
       WHERE t.project_id = $1 AND t.type = $2${externalIds ? ' AND i.external_id = ANY($3::text[])' : ''} ORDER BY t.id, n.annotator_id`,
      externalIds ? [projectId, type, externalIds] : [projectId, type],
    );
    return rows.map((r) => ({
      annotation: toAnnotation({ ...r, id: r.n_id, created_at: r.n_created, updated_at: r.n_updated }),
      task: toTask(r),
      item: toItem({ ...r, id: r.i_id, project_id: r.i_project_id }),
    }));
  }

  async progress(projectId: number, annotatorId?: number): Promise<Progress> {
    const rows = await this.db.query(
      `SELECT type, count(*)::int AS tasks, sum(CASE WHEN done >= needed THEN 1 ELSE 0 END)::int AS completed,
              sum(done)::int AS labels, sum(needed)::int AS needed
       FROM tasks WHERE project_id = $1 GROUP BY type ORDER BY type`,
      [projectId],
    );
    const p: Progress = { tasks: 0, completedTasks: 0, labels: 0, needed: 0, mine: 0, byType: {} };
    for (const r of rows) {
      p.tasks += r.tasks as number;
      p.completedTasks += r.completed as number;
      p.labels += r.labels as number;
      p.needed += r.needed as number;
      p.byType[r.type as string] = { tasks: r.tasks as number, completed: r.completed as number, labels: r.labels as number };
    }
    if (annotatorId !== undefined) {
      const m = await this.db.query(
        'SELECT count(*)::int AS n FROM annotations n JOIN tasks t ON t.id = n.task_id WHERE t.project_id = $1 AND n.annotator_id = $2',
        [projectId, annotatorId],
      );
      p.mine = m[0].n as number;
    }
    return p;
  }
}
