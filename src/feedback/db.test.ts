import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { lockDataDir } from './db.js';

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
