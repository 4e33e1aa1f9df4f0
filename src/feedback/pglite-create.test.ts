import { chmodSync, cpSync, existsSync, lstatSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it, onTestFinished } from 'vitest';
import { exited, spawnTsx } from '../testing/child.js';
import { treeHashes } from '../testing/cli-kill.js';
import { tmpDir } from '../testing/tmp.js';
import { openDb } from './db.js';
import { createPgliteDir, hasPgliteDb, pgliteTemplateDir } from './pglite-create.js';

const needTemplate = () => expect(existsSync(join(pgliteTemplateDir(), 'VERSION')), 'build/pglite-template is missing: run `npm run build`').toBe(true);

it.runIf(process.platform === 'linux')('a new database is the build\'s template copied: no initdb (0.85 GB and 4–6 s of CPU in WebAssembly), a fraction of the memory', { timeout: 180_000 }, async () => {
  needTemplate();
  const d = tmpDir('af-pglite-rss');
  const script = join(d, 'create.mjs');
  const module = fileURLToPath(new URL('./pglite-create.ts', import.meta.url));
  writeFileSync(
    script,
    `const { createPgliteDir } = await import(${JSON.stringify(module)});
await createPgliteDir(process.argv[2]);
const { readFileSync } = await import('node:fs');
console.log(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);`,
  );
  const child = spawnTsx(script, [join(d, 'db')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  expect(await exited(child)).toBe(0);
  expect(hasPgliteDb(join(d, 'db'))).toBe(true);
  const peakMb = Number(out.trim()) / 1024;
  expect(peakMb, `peak RSS of a process making a database: ${peakMb.toFixed(0)} MB`).toBeLessThan(400); // initdb: 0.85 GB; the copy: about 60 MB beside tsx
});

it('a creation stopped while the template is copied leaves no database and no hidden folder, and rejects with the reason', async () => {
  needTemplate();
  const d = tmpDir('af-pglite-stop');
  const ac = new AbortController();
  const made = createPgliteDir(join(d, 'db'), ac.signal);
  ac.abort(new Error('stopped'));
  await expect(made).rejects.toThrow('stopped');
  expect(readdirSync(d)).toEqual([]);
  await createPgliteDir(join(d, 'db')); // the same again, not stopped
  expect(readdirSync(d)).toEqual(['db']);
  expect(hasPgliteDb(join(d, 'db'))).toBe(true);
});

/** Every entry under `dir` (folders first, then what they hold), by path. */
function entries(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [join(dir, e.name), ...entries(join(dir, e.name))] : [join(dir, e.name)]));
}

/** A copy of the build's template in `d`/template, which the test then changes. */
function templateCopy(d: string): string {
  needTemplate();
  const t = join(d, 'template');
  cpSync(pgliteTemplateDir(), t, { recursive: true });
  return t;
}

/** Whether the database in `db` is a copy of `template`'s (initdb gives each database a system identifier of its own, in pg_control). */
const copiedFrom = (db: string, template: string) => readFileSync(join(db, 'global', 'pg_control')).equals(readFileSync(join(template, 'data', 'global', 'pg_control')));

/** The database in `db` opens, and takes and gives back a row. */
async function opens(db: string): Promise<void> {
  const pg = await openDb({ dataDir: db });
  try {
    await pg.exec('CREATE TABLE t (x int); INSERT INTO t VALUES (7)');
    expect(await pg.query('SELECT x FROM t')).toEqual([{ x: 7 }]);
  } finally {
    await pg.close();
  }
}

it('a template another PGlite version made is not used: initdb makes the database, and the template is left as it was', { timeout: 240_000 }, async () => {
  const d = tmpDir('af-pglite-other');
  const t = templateCopy(d);
  writeFileSync(join(t, 'VERSION'), '0.4.0');
  const before = treeHashes(t);
  await createPgliteDir(join(d, 'db'), undefined, t);
  expect(copiedFrom(join(d, 'db'), t)).toBe(false);
  expect(treeHashes(t)).toEqual(before); // only read: nothing written into it (nor beside it)
  expect(readdirSync(d).sort()).toEqual(['db', 'template']);
  await opens(join(d, 'db'));
});

it('a template that lacks files (a copy stopped part-way: none under base/) is not used: initdb makes the database, which opens', { timeout: 240_000 }, async () => {
  const d = tmpDir('af-pglite-partial');
  const t = templateCopy(d);
  for (const p of entries(join(t, 'data', 'base'))) if (!statSync(p).isDirectory()) unlinkSync(p);
  const before = treeHashes(t);
  await createPgliteDir(join(d, 'db'), undefined, t);
  expect(copiedFrom(join(d, 'db'), t)).toBe(false);
  expect(treeHashes(t)).toEqual(before);
  await opens(join(d, 'db'));
});

it("a template without its empty folders (an installed package's: npm pack leaves them out) is copied with them, and the database opens", { timeout: 120_000 }, async () => {
  const d = tmpDir('af-pglite-packed');
  const t = templateCopy(d);
  const isEmptyFolder = (p: string) => statSync(p).isDirectory() && readdirSync(p).length === 0;
  const gone = entries(join(t, 'data')).filter(isEmptyFolder); // pg_notify, pg_replslot, pg_tblspc … (14 in PGlite 0.5.16)
  gone.forEach((p) => rmdirSync(p));
  expect(gone.length).toBeGreaterThan(0);
  expect(entries(join(t, 'data')).filter(isEmptyFolder)).toEqual([]); // as npm pack ships it: no folder without a file
  await createPgliteDir(join(d, 'db'), undefined, t);
  expect(copiedFrom(join(d, 'db'), t)).toBe(true);
  for (const p of gone) expect(statSync(p.replace(join(t, 'data'), join(d, 'db'))).isDirectory(), p).toBe(true);
  await opens(join(d, 'db'));
});

it('a read-only template is copied into a database its user may write (600, 700), which opens', { timeout: 120_000 }, async () => {
  const d = tmpDir('af-pglite-readonly');
  const t = templateCopy(d);
  const all = [t, ...entries(t)];
  for (const p of all) chmodSync(p, statSync(p).isDirectory() ? 0o555 : 0o444);
  onTestFinished(() => all.forEach((p) => chmodSync(p, 0o755))); // removable again by a user who is not root
  const before = treeHashes(t);
  await createPgliteDir(join(d, 'db'), undefined, t);
  expect(copiedFrom(join(d, 'db'), t)).toBe(true);
  const modes = new Set([join(d, 'db'), ...entries(join(d, 'db'))].map((p) => `${lstatSync(p).isDirectory() ? 'folder' : 'file'} ${(lstatSync(p).mode & 0o777).toString(8)}`));
  expect([...modes].sort()).toEqual(['file 600', 'folder 700']); // fs.cp kept the template's 444 and 555: 400 and 500 once closed to others
  await opens(join(d, 'db'));
  expect(treeHashes(t)).toEqual(before);
});
