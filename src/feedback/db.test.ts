import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { lockDataDir } from './db.js';

it('a PGlite data directory can be opened by one process at a time; stale locks are taken over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'af-lock-'));
  try {
    const unlock = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(/in use by process/);
    unlock();
    const again = lockDataDir(dir);
    again();
    writeFileSync(join(dir, 'askfirst.lock'), '2147483646'); // no such process
    lockDataDir(dir)();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
