/**
 * kill -9 of a command that writes files, then the same command again: it finishes, and what it leaves is byte for byte
 * what an uninterrupted run leaves (every file's sha256; of summary.json, all but the fields documented to hold wall
 * time and provenance), with nothing else beside it. The real command (bin/askfirst.js: `npm run build` first) in a
 * child that kills itself at the moment (its Nth write to a file, or rename: src/testing/cli-kill.ts, fs-fault.ts), so
 * the kill lands there however fast the machine. A feedback database is compared by its rows (sha256 of them in order,
 * without ids and times). docs/hardening.md lists what was audited this way.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../src/feedback/db.js';
import { IMPORT_BATCH } from '../src/feedback/importer.js';
import { killCliAt, runCli, treeHashes } from '../src/testing/cli-kill.js';
import { tmpDir } from '../src/testing/tmp.js';
import { generateSuite } from '../src/suite/generate.js';
import { writeSuite } from '../src/suite/io.js';

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);

/** summary.json without its wall time and provenance (date, command line: docs/evaluation.md). */
function summaryBody(out: string): unknown {
  const { wallSeconds: _w, provenance: _p, ...rest } = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
  return rest;
}

describe('askfirst eval killed with SIGKILL, then run again', () => {
  it('random:1, killed in the middle of the proactive mode: the re-run resumes and leaves the bytes of an uninterrupted run', { timeout: 240_000 }, async () => {
    const root = tmpDir('askfirst-kill-eval');
    const data = join(root, 'suite');
    await writeSuite(data, generateSuite({ episodes: 60, seed: 3, size: 32 })); // 420 episodes
    // each run in a folder of its own, writing to `out` there: the same command line, so the same run.json and config
    const args = ['eval', '--policy', 'random:1', '--data', data, '--out', 'out', '--no-progress'];
    const whole = join(root, 'whole');
    const killed = join(root, 'killed');
    mkdirSync(whole);
    mkdirSync(killed);
    expect((await runCli(args, whole)).code).toBe(0);

    const results = join(killed, 'out', 'proactive', 'results.jsonl');
    await killCliAt(args, killed, { op: 'write', path: join('proactive', 'results.jsonl'), nth: 100 }); // before its 100th record
    expect(lines(results)).toBe(99); // killed part-way
    expect(existsSync(join(killed, 'out', 'proactive', '.lock'))).toBe(true); // its lock, left behind: taken over below
    const again = await runCli(args, killed);
    expect(again.code, again.stderr).toBe(0);

    const [a, b] = [treeHashes(join(whole, 'out')), treeHashes(join(killed, 'out'))];
    delete a['summary.json'];
    delete b['summary.json'];
    expect(b).toEqual(a); // the same files (no lock, no temporary file left) with the same bytes
    expect(summaryBody(join(killed, 'out'))).toEqual(summaryBody(join(whole, 'out')));
  });
});

describe('askfirst probe hallucination killed with SIGKILL, then run again', () => {
  it('random:1, killed while playing the presence questions: the re-run leaves the bytes of an uninterrupted run', { timeout: 240_000 }, async () => {
    const root = tmpDir('askfirst-kill-probe');
    const args = ['probe', 'hallucination', '--policy', 'random:1', '--scenes', '40', '--open-scenes', '4', '--batch-size', '8', '--out', 'out', '--no-progress'];
    const whole = join(root, 'whole');
    const killed = join(root, 'killed');
    mkdirSync(whole);
    mkdirSync(killed);
    expect((await runCli(args, whole)).code).toBe(0);
    const results = join(killed, 'out', 'presence', 'results.jsonl');
    const total = lines(join(whole, 'out', 'presence', 'results.jsonl'));
    await killCliAt(args, killed, { op: 'write', path: join('presence', 'results.jsonl'), nth: 40 }); // before its 40th record
    expect(lines(results)).toBe(39);
    expect(lines(results)).toBeLessThan(total); // killed part-way
    const again = await runCli(args, killed);
    expect(again.code, again.stderr).toBe(0);
    // summary.json too: it said how many items the earlier run had played ("resumed": 39 here, 0 uninterrupted)
    expect(treeHashes(join(killed, 'out'))).toEqual(treeHashes(join(whole, 'out')));
  });
});

describe('askfirst export killed with SIGKILL, then run again', () => {
  it('with Parquet, one row per state on the path, over an earlier export: killed after the first row group, the re-run leaves the bytes of an uninterrupted run', { timeout: 240_000 }, async () => {
    const root = tmpDir('askfirst-kill-export');
    const data = join(root, 'suite');
    await writeSuite(data, generateSuite({ episodes: 40, seed: 3, size: 32 })); // 1,577 rows: two row groups of train.parquet
    const args = ['export', '--data', data, '--out', 'out', '--no-progress', '--overwrite']; // --turns path, Parquet: the defaults; over the earlier export
    const earlier = ['export', '--data', data, '--out', 'out', '--no-progress', '--turns', 'first', '--limit', '2'];
    const whole = join(root, 'whole');
    const killed = join(root, 'killed');
    for (const dir of [whole, killed]) {
      mkdirSync(dir);
      expect((await runCli(earlier, dir)).code).toBe(0); // the export that the run replaces
    }
    expect((await runCli(args, whole)).code).toBe(0);

    // the export is written into a temporary sibling of out (writeDirAtomic); train.parquet grows a row group at a time:
    // killed before the second is written
    await killCliAt(args, killed, { op: 'write', path: 'train.parquet', nth: 2 });
    const parquet = readdirSync(killed).flatMap((n) => (n.startsWith('.out.tmp-') ? [join(killed, n)] : [])).flatMap((d) => readdirSync(d).filter((f) => f.includes('train.parquet')).map((f) => statSync(join(d, f)).size));
    expect(parquet.some((size) => size > 0)).toBe(true); // the first row group written
    expect(readdirSync(killed).some((n) => n.startsWith('.out.tmp-'))).toBe(true); // killed part-way: the partial export beside out…
    expect(readFileSync(join(killed, 'out', 'README.md'), 'utf8')).toContain('--turns first'); // …and the earlier one still in place
    expect(existsSync(join(killed, 'out', '.lock'))).toBe(true); // its lock, left behind: taken over below
    const again = await runCli(args, killed);
    expect(again.code, again.stderr).toBe(0);
    expect(treeHashes(killed)).toEqual(treeHashes(whole)); // out and its folder: no partial export, no lock left
  });
});

describe('askfirst suite generate --format proactivebench killed with SIGKILL, then run again', () => {
  it('over an earlier suite, killed while replacing it: the re-run leaves the bytes of an uninterrupted run', { timeout: 240_000 }, async () => {
    const root = tmpDir('askfirst-kill-suite-pb');
    const base = ['suite', 'generate', '--format', 'proactivebench', '--size', '32', '--out', 'out', '--no-progress'];
    const args = [...base, '--episodes', '12', '--seed', '0'];
    const whole = join(root, 'whole');
    const killed = join(root, 'killed');
    for (const dir of [whole, killed]) {
      mkdirSync(dir);
      expect((await runCli([...base, '--episodes', '16', '--seed', '1'], dir)).code).toBe(0); // the suite the run replaces
    }
    expect((await runCli(args, whole)).code).toBe(0);

    // once every episode is staged in .writing/, the earlier indexes are moved aside into .replacing/, then the images move
    // out: killed before the third image is moved (a moment of milliseconds when the machine is idle, so the process
    // kills itself there)
    await killCliAt(args, killed, { op: 'rename', path: `${sep}.writing${sep}`, nth: 3 });
    expect(existsSync(join(killed, 'out', '.replacing'))).toBe(true);
    expect(existsSync(join(killed, 'out', '.writing'))).toBe(true); // killed while replacing: the new suite not all in place
    const again = await runCli(args, killed);
    expect(again.code, again.stderr).toBe(0);
    expect(treeHashes(killed)).toEqual(treeHashes(whole)); // the earlier suite's images gone, no .writing/, .replacing/ or lock left
  });
});

/**
 * The rows of a PGlite feedback database (`db`, closed): each item's task with its item and project, in the order they
 * went in, without ids (a killed transaction's may be skipped) and times; their number and sha256, and those of the
 * first `items` items' rows. Checked consistent on the way: no item without its tasks, no task without its item.
 */
async function dbRows(db: string, items = Infinity): Promise<{ items: number; rows: number; sha256: string; first: string }> {
  const pg = await openDb({ dataDir: db });
  try {
    const rows = await pg.query<{ n: number }>(
      `SELECT dense_rank() OVER (ORDER BY i.id)::int AS n, p.name, p.image_dir, p.labels_per_item, i.external_id, i.image, i.question, i.model_output, i.facts, i.meta, t.type, t.payload, t.needed, t.assigned, t.done
       FROM items i JOIN projects p ON p.id = i.project_id JOIN tasks t ON t.item_id = i.id ORDER BY i.id, t.id`,
    );
    const [{ bare }] = await pg.query<{ bare: number }>('SELECT count(*)::int AS bare FROM items i WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.item_id = i.id)');
    const [{ orphans }] = await pg.query<{ orphans: number }>('SELECT count(*)::int AS orphans FROM tasks t WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.id = t.item_id)');
    expect({ bare, orphans }).toEqual({ bare: 0, orphans: 0 });
    const sha = (r: unknown[]) => createHash('sha256').update(JSON.stringify(r.map((x) => ({ ...(x as object), n: undefined })))).digest('hex');
    return { items: rows.at(-1)?.n ?? 0, rows: rows.length, sha256: sha(rows), first: sha(rows.filter((r) => r.n <= items)) };
  } finally {
    await pg.close();
  }
}

describe('askfirst feedback import killed with SIGKILL, then run again', () => {
  let suite: string;
  beforeAll(async () => {
    suite = join(tmpDir('askfirst-kill-feedback-suite'), 'suite');
    await writeSuite(suite, generateSuite({ episodes: 300, seed: 3, size: 32 })); // 2,100 episodes: transactions of 1,000, 1,000 and 100
  }, 300_000);

  it('killed inside the second transaction of items: the first is kept whole, the second not at all, and the re-run leaves the rows of an unbroken run', { timeout: 600_000 }, async () => {
    const root = tmpDir('askfirst-kill-feedback');
    const args = ['feedback', 'import', '--suite', suite, '--project', 'p', '--db-dir', 'db', '--no-progress'];
    const whole = join(root, 'whole');
    const killed = join(root, 'killed');
    mkdirSync(whole);
    mkdirSync(killed);
    const done = await runCli(args, whole);
    expect(done.code, done.stderr).toBe(0);
    const unbroken = await dbRows(join(whole, 'db'), IMPORT_BATCH);
    expect(unbroken.items).toBe(2100);

    // the WAL is written a page at a time while a transaction's rows fill its buffers, whole at each commit: its 300th
    // write comes inside the second transaction (PGlite 0.5.16; checked below: exactly the first 1,000 items are in)
    await killCliAt(args, killed, { op: 'write', path: `${sep}pg_wal${sep}`, nth: 300 });
    expect(existsSync(join(killed, 'db', 'askfirst.lock'))).toBe(true); // its lock, left behind: taken over below
    const cut = await dbRows(join(killed, 'db'), IMPORT_BATCH); // opens after the kill (PostgreSQL replays its WAL)
    expect(cut.items).toBe(IMPORT_BATCH); // killed inside the second transaction: none of its items
    expect(cut.sha256).toBe(unbroken.first); // the first 1,000 episodes' items and tasks, as the unbroken run's
    const again = await runCli(args, killed);
    expect(again.code, again.stderr).toBe(0);
    expect(await dbRows(join(killed, 'db'), IMPORT_BATCH)).toEqual(unbroken);
    expect(readdirSync(killed)).toEqual(['db']);
    expect(readdirSync(join(killed, 'db')).filter((n) => n.startsWith('askfirst.lock'))).toEqual([]);
  });

  it('killed while its new database is copied from the template: the re-run removes the hidden half-copy, makes the database and leaves the rows of an unbroken run', { timeout: 300_000 }, async () => {
    const root = tmpDir('askfirst-kill-feedback-new');
    const args = ['feedback', 'import', '--suite', suite, '--limit', '20', '--project', 'p', '--db-dir', 'db', '--no-progress'];
    const whole = join(root, 'whole');
    const killed = join(root, 'killed');
    mkdirSync(whole);
    mkdirSync(killed);
    expect((await runCli(args, whole)).code).toBe(0);
    await killCliAt(args, killed, { op: 'copy', path: 'db.creating-', nth: 500 }); // before the 500th of its 986 files
    expect(readdirSync(killed)).toEqual([expect.stringMatching(/^\.?db\.creating-/)]); // no database yet: its hidden folder, half made
    const again = await runCli(args, killed);
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(killed)).toEqual(['db']);
    expect(await dbRows(join(killed, 'db'))).toEqual(await dbRows(join(whole, 'db')));
  });
});
