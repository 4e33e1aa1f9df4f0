import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { lockDataDir, openDb } from './db.js';

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
