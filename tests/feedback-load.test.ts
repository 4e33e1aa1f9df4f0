/**
 * Load: 20 simulated annotators submit 2,000 labels concurrently over HTTP (loopback) — each
 * also replays some submissions (a retry after a lost response), which must not double-count.
 * Afterwards the database must hold exactly 2,000 annotations, each task exactly N = 2 from two
 * different annotators. Run on PGlite and on a real PostgreSQL server started from Debian's
 * `postgresql` package.
 */
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openDb } from '../src/feedback/db.js';
import { createDemoProject } from '../src/feedback/importer.js';
import { FeedbackStore, type ItemInput } from '../src/feedback/store.js';
import { startServer } from '../src/server/workbench/workbench.js';
import { tmpDir } from '../src/testing/tmp.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { postgresBin, requireDep } from '../src/testing/system-deps.js';

const ANNOTATORS = 20;
const TASKS = 1000;
const N = 2;
const LABELS = TASKS * N;

async function runLoad(store: FeedbackStore, engine: string) {
  const dir = tmpDir('af-load');
  const { project, episodes } = await createDemoProject(store, `load-${engine}`, join(dir, 'images'), 10, N, { types: ['preference'] });
  const items: ItemInput[] = [];
  for (let i = items.length; i < TASKS - episodes.length; i++) {
    const ep = episodes[i % episodes.length];
    items.push({ externalId: `load-${i}`, image: ep.views[0], question: ep.question, tasks: [{ type: 'preference', payload: { replies: [`reply A ${i}`, `reply B ${i}`] } }] });
  }
  await store.addItems(project.id, items);
  const people = [];
  for (let i = 0; i < ANNOTATORS; i++) people.push(await store.addAnnotator(`load-${engine}-${i}`));
  const server = await startServer({ store, host: '127.0.0.1', port: 0, playPolicy: 'oracle', log: (m) => console.error(m) });

  const stats = { created: 0, replayed: 0, errors: [] as string[] };
  const t0 = performance.now();
  await Promise.all(
    people.map(async (p, who) => {
      const h = { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' };
      for (let k = 0; ; k++) {
        const r = await fetch(`${server.url}/api/projects/${project.id}/next`, { headers: h });
        if (r.status !== 200) {
          stats.errors.push(`next ${r.status} ${await r.text()}`);
          return;
        }
        const { assignment } = (await r.json()) as { assignment: { id: number } | null };
        if (!assignment) return;
        const body = JSON.stringify({ submissionId: `load-${who}-${k}-${assignment.id}`, label: { lessHallucination: (who + k) % 2, moreHelpful: k % 2 } });
        const post = () => fetch(`${server.url}/api/assignments/${assignment.id}/annotation`, { method: 'POST', headers: h, body });
        // Every 7th label is sent twice at once, every 5th is retried after its response: replays, not new labels.
        const sends = k % 7 === 0 ? await Promise.all([post(), post()]) : [await post()];
        if (k % 5 === 0) sends.push(await post());
        for (const s of sends) {
          if (s.status === 201) stats.created++;
          else if (s.status === 200) stats.replayed++;
          else stats.errors.push(`submit ${s.status} ${await s.text()}`);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await server.close();

  const [{ n }] = await store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM annotations a JOIN tasks t ON t.id = a.task_id WHERE t.project_id = $1', [project.id]);
  const [{ pairs }] = await store.db.query<{ pairs: number }>(
    'SELECT count(DISTINCT (a.task_id, a.annotator_id))::int AS pairs FROM annotations a JOIN tasks t ON t.id = a.task_id WHERE t.project_id = $1',
    [project.id],
  );
  const perTask = await store.db.query<{ c: number; k: number }>(
    `SELECT c, count(*)::int AS k FROM (SELECT t.id, count(a.id)::int AS c FROM tasks t LEFT JOIN annotations a ON a.task_id = t.id WHERE t.project_id = $1 GROUP BY t.id) s GROUP BY c`,
    [project.id],
  );
  const counters = await store.db.query<{ bad: number }>('SELECT count(*)::int AS bad FROM tasks WHERE project_id = $1 AND (done <> $2 OR assigned <> $2)', [project.id, N]);
  console.log(
    `[load/${engine}] ${ANNOTATORS} annotators, ${stats.created} labels created + ${stats.replayed} replays answered, ` +
      `${n} annotations in the DB, ${pairs} distinct (task, annotator) pairs, ${seconds.toFixed(1)} s (${(stats.created / seconds).toFixed(0)} labels/s)`,
  );
  expect(stats.errors).toEqual([]);
  expect(stats.created).toBe(LABELS);
  expect(stats.replayed).toBeGreaterThan(100);
  expect(n).toBe(LABELS); // zero lost, zero duplicated
  expect(pairs).toBe(LABELS);
  expect(perTask).toEqual([{ c: N, k: TASKS }]);
  expect(counters[0].bad).toBe(0);
}

describe('load: 20 annotators × 2,000 labels over HTTP', () => {
  it('PGlite', { timeout: 400_000 }, async () => {
    // onTestFinished hooks run last-registered first: the database closes before its directory goes.
    const store = await FeedbackStore.open(await openDb({ dataDir: tmpDir('af-pglite') }));
    onTestFinished(() => store.close());
    await runLoad(store, 'pglite');
  });

  const bin = postgresBin();
  const skip = requireDep(bin !== null, 'PostgreSQL server binaries (/usr/lib/postgresql/*/bin)');
  it.skipIf(!!skip)('PostgreSQL (Debian package, throwaway cluster)', { timeout: 400_000 }, async () => {
    const pg: TestPostgres = await startPostgres(bin!);
    onTestFinished(() => pg.stop());
    const store = await FeedbackStore.open(await openDb({ url: pg.url }));
    onTestFinished(() => store.close());
    await runLoad(store, 'postgres');
  });
});
