import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
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
