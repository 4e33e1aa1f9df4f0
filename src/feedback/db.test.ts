import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { exited, spawnTsx, stopChild } from '../testing/child.js';
import { tmpDir } from '../testing/tmp.js';
import { raceOnStaleLock } from '../testing/lock-race.js';
import { lockDataDir, openDb, redact } from './db.js';

it('a PGlite data directory can be opened by one process at a time; stale locks are taken over', () => {
  const dir = tmpDir('af-lock');
  const unlock = lockDataDir(dir);
  expect(() => lockDataDir(dir)).toThrow(/in use by process/);
  unlock();
  const again = lockDataDir(dir);
  again();
  writeFileSync(join(dir, 'askfirst.lock'), '2147483646'); // no such process
  lockDataDir(dir)();
});

const NO_SUCH_PID = 2147483646;

it('two contenders on one stale lock: exactly one takes it over, whichever step the other is at', () => {
  // The second contender runs in the middle of the first one's takeover: right after the first
  // has judged the lock stale (the old code then removed whatever lock was there — the second
  // one's fresh lock — and both held it), and right after its second look under the takeover lock.
  for (const at of [1, 2]) {
    const dir = tmpDir('af-lock-race');
    const lock = join(dir, 'askfirst.lock');
    writeFileSync(lock, String(NO_SUCH_PID)); // left by a killed process
    const { outcomes, releases } = raceOnStaleLock(NO_SUCH_PID, at, () => lockDataDir(dir));
    expect(outcomes, `second contender at stale check ${at}`).toHaveLength(2);
    expect(outcomes.filter((o) => o.endsWith('took it')), `second contender at stale check ${at}: ${outcomes.join('; ')}`).toHaveLength(1);
    expect(outcomes.find((o) => o.includes('refused'))).toMatch(/in use by process \d+|is taking over the lock/);
    expect(readdirSync(dir)).toEqual(['askfirst.lock']); // no takeover or temporary file left
    expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    for (const release of releases) release();
    expect(readdirSync(dir)).toEqual([]);
  }
});

it('several processes started at once on one stale lock: exactly one takes it', async () => {
  const dir = tmpDir('af-lock-procs');
  const db = join(dir, 'db');
  const go = join(dir, 'go');
  const script = join(dir, 'contend.mts');
  writeFileSync(
    script,
    `import { existsSync } from 'node:fs';
import { lockDataDir } from ${JSON.stringify(resolve(import.meta.dirname, 'db.ts'))};
const [db, go] = process.argv.slice(2);
process.stdout.write('ready\\n');
while (!existsSync(go)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
try {
  lockDataDir(db);
  process.stdout.write('took it\\n');
} catch (e) {
  process.stdout.write('refused: ' + e.message + '\\n');
}
setInterval(() => undefined, 1000); // hold the lock (alive) until killed
`,
  );
  lockDataDir(db)(); // make the folder
  writeFileSync(join(db, 'askfirst.lock'), String(NO_SUCH_PID));
  const children = Array.from({ length: 4 }, () => spawnTsx(script, [db, go], { stdio: ['ignore', 'pipe', 'inherit'] }));
  try {
    const lines = children.map((c) => {
      let out = '';
      c.stdout!.on('data', (d) => (out += String(d)));
      return () => out.split('\n').filter(Boolean);
    });
    const until = async (ok: () => boolean) => {
      for (const t0 = Date.now(); !ok(); ) {
        if (Date.now() - t0 > 100_000) throw new Error(`children: ${JSON.stringify(lines.map((l) => l()))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until(() => lines.every((l) => l().length >= 1));
    writeFileSync(go, '');
    await until(() => lines.every((l) => l().length >= 2));
    const results = lines.map((l) => l()[1]);
    expect(results.filter((r) => r === 'took it'), results.join('; ')).toHaveLength(1);
    const winner = children[results.indexOf('took it')];
    expect(readFileSync(join(db, 'askfirst.lock'), 'utf8')).toBe(String(winner.pid));
    for (const r of results) if (r !== 'took it') expect(r).toMatch(new RegExp(`in use by process ${winner.pid}|is taking over the lock`));
  } finally {
    await Promise.all(children.map(stopChild));
  }
});

it('a takeover file left by a process killed in the middle of a takeover is named, not removed behind anyone\'s back', () => {
  const dir = tmpDir('af-lock-guard');
  writeFileSync(join(dir, 'askfirst.lock'), String(NO_SUCH_PID));
  writeFileSync(join(dir, 'askfirst.lock.takeover'), String(NO_SUCH_PID));
  expect(() => lockDataDir(dir)).toThrow(/askfirst\.lock\.takeover was left by a process that stopped while taking over the stale lock .*askfirst\.lock; if no askfirst process is using it, remove both files/);
  expect(readdirSync(dir).sort()).toEqual(['askfirst.lock', 'askfirst.lock.takeover']);
});

it('a --db-dir that is a file, or a non-empty folder that is no database, is refused and left as it was', async () => {
  const dir = tmpDir('af-dbdir');
  const file = join(dir, 'notes.txt');
  writeFileSync(file, 'my notes\n');
  await expect(openDb({ dataDir: file })).rejects.toThrow(`the PGlite data directory ${file} is a file: give --db-dir a folder (a new one is created)`);
  await expect(openDb({ dataDir: dir })).rejects.toThrow(
    `${dir} is not a feedback database (it has no PG_VERSION) and is not empty (notes.txt): give --db-dir the folder the workbench made, or a new or empty one`,
  );
  expect(readdirSync(dir)).toEqual(['notes.txt']);
  // a new folder, then the same folder again (now a database), open
  const db = join(dir, 'db');
  await (await openDb({ dataDir: db })).close();
  await (await openDb({ dataDir: db })).close();
});

it('a DATABASE_URL that cannot be used is named in the error without its password, whatever the password holds', async () => {
  for (const [url, shown] of [
    ['postgres://u:p/ss@127.0.0.1:1/db', 'postgres://u:***@127.0.0.1:1/db'], // '/' in the password: an invalid URL
    ['postgres://:secret@127.0.0.1:1/db', 'postgres://:***@127.0.0.1:1/db'], // no user name
    ['postgresql://ann:pw@127.0.0.1:1/db', 'postgresql://ann:***@127.0.0.1:1/db'],
  ]) {
    const e = (await openDb({ url }).then(
      () => null,
      (x: unknown) => x,
    )) as Error;
    expect(e.message).toContain(`cannot connect to PostgreSQL at ${shown}: `);
    expect(e.message).not.toMatch(/p\/ss|secret|:pw@/);
  }
  expect(redact('postgres://127.0.0.1:5432/db')).toBe('postgres://127.0.0.1:5432/db'); // nothing to hide
});

it('a --db-dir that is a symbolic link to an empty folder with a 240-byte name: the database is made where the link points, and opens through the link', async () => {
  const dir = tmpDir('af-dblink');
  const real = join(dir, 'é'.repeat(120)); // 240 bytes: the folder it is made in beside it (.NAME.creating-PID-HEX) took more than 255
  mkdirSync(real);
  const link = join(dir, 'db');
  symlinkSync(real, link);
  await (await openDb({ dataDir: link })).close(); // made: was "link is a file, not a directory" (ENOTDIR renaming onto the link), then ENAMETOOLONG
  expect(readdirSync(real)).toContain('PG_VERSION');
  expect(lstatSync(link).isSymbolicLink()).toBe(true);
  await (await openDb({ dataDir: link })).close(); // opened again: PGlite threw a bare object ("unexpected error: [object Object]") on the link
  expect(readdirSync(dir).sort()).toEqual(['db', 'é'.repeat(120)]);
});

it('a PGlite database is closed to other users (0700, its files 600, as initdb makes one), the files PGlite adds while open too, and one made before once opened', async () => {
  const db = join(tmpDir('af-dbmode'), 'db');
  const mode = (p: string) => lstatSync(p).mode & 0o777;
  const open = (p: string) => [p, ...readdirSync(p, { recursive: true }).map((f) => join(p, String(f)))].filter((f) => (mode(f) & 0o077) !== 0);
  const old = process.umask(0o022); // the usual umask, whatever the test runner's
  try {
    await (await openDb({ dataDir: db })).close();
    expect(open(db)).toEqual([]); // the folder was 0755 (any local user could rewrite the labels), 968 of its 971 files 666
    const pg = await openDb({ dataDir: db });
    await pg.exec('CREATE TABLE t (x int); INSERT INTO t VALUES (1)'); // new files, which PGlite makes 666 whatever the umask
    expect(open(db).length).toBeGreaterThan(0);
    await pg.close();
    expect(open(db)).toEqual([]);
  } finally {
    process.umask(old);
  }
  chmodSync(db, 0o755); // a database made before: closed to others when it is opened
  chmodSync(join(db, 'PG_VERSION'), 0o666);
  await (await openDb({ dataDir: db })).close();
  expect(open(db)).toEqual([]);
}, 120_000);

it.runIf(process.platform === 'linux')("a process that opens a PGlite database and writes 100,000 rows peaks about 115 MB lower: PostgreSQL's buffer pool is 16 MB, not 128", { timeout: 180_000 }, async () => {
  const d = tmpDir('af-pglite-open-rss');
  const script = join(d, 'open.mjs');
  writeFileSync(
    script,
    `const { openDb } = await import(${JSON.stringify(resolve(import.meta.dirname, 'db.ts'))});
const db = await openDb({ dataDir: process.argv[2] });
await db.exec('CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 100000)');
const [{ n }] = await db.query('SELECT count(*)::int AS n FROM t');
await db.close();
const { readFileSync } = await import('node:fs');
console.log(JSON.stringify({ n, peakMb: Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024 }));`,
  );
  const child = spawnTsx(script, [join(d, 'db')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  expect(await exited(child)).toBe(0);
  const { n, peakMb } = JSON.parse(out) as { n: number; peakMb: number };
  expect(n).toBe(100_000);
  expect(peakMb, `peak RSS of a process opening a database: ${peakMb.toFixed(0)} MB`).toBeLessThan(330); // beside tsx: 386–388 MB with 128 MB of buffers, 270–271 MB with 16 MB
});
